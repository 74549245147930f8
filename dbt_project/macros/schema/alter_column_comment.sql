{#-
    dbt-duckdb's column comments without its second look at the table's columns. dbt's
    persist_docs already reads them (one `describe` query) and passes on only the documented
    columns the table has; dbt-duckdb's own macro read them again before writing the comments.
    One query fewer for every model of every build; the comments are the same.
-#}
{% macro duckdb__alter_column_comment(relation, column_dict) %}
    {% for column_name in column_dict %}
        {% set column = column_dict[column_name] %}
        {% set escaped_comment = duckdb_escape_comment(column['description']) %}
        comment on column {{ relation }}.{{ adapter.quote(column_name) if column['quote'] else column_name }} is {{ escaped_comment }};
    {% endfor %}
{% endmacro %}
