-- Every model the warehouse has used, one row per version, carried from build to build (the
-- published warehouse's registry, stg_published__model_registry): where the saved file is, what
-- it was trained on, how good it was, when it was first and last used, and whether the last
-- build that used it trained it or reused the saved file (model_source). is_current marks the
-- model that scored this build.

with

previous_models as (

    select * from {{ ref('stg_published__model_registry') }}

),

current_model as (

    select * from {{ ref('ml_model_registration') }}

),

this_build as (

    select timezone('UTC', now()) as used_at

),

earlier_models as (

    select
        previous_models.* exclude (is_current),
        false as is_current
    from previous_models
    left join current_model
        on previous_models.model_version = current_model.model_version
    where current_model.model_version is null

),

current_with_history as (

    select
        current_model.model_version,
        current_model.artifact_path,
        current_model.trained_at,
        current_model.chosen_candidate,
        current_model.chosen_params,
        current_model.training_rows,
        current_model.selection_rows,
        current_model.labelled_rows,
        current_model.data_fingerprint,
        current_model.cv_roc_auc,
        current_model.oof_roc_auc,
        current_model.brier,
        current_model.features,
        current_model.libraries,
        current_model.skipped_candidates,
        current_model.model_source,
        coalesce(previous_models.first_used_at, this_build.used_at) as first_used_at,
        this_build.used_at as last_used_at,
        coalesce(previous_models.builds, 0) + 1 as builds,
        true as is_current
    from current_model
    cross join this_build
    left join previous_models
        on current_model.model_version = previous_models.model_version

),

registry as (

    select * from earlier_models
    union all by name
    select * from current_with_history

)

select * from registry
