# Maturity diagnostics and action plans (issue 16).

nav-diagnostics = Diagnostics
diagnostics-title = Cyber maturity diagnostics
diagnostics-intro = A diagnostic reviews the structure's IT security theme by theme and names the six measures to take first. It can be stopped and resumed: each theme is saved when you move on to the next.
diagnostics-resume = Resume the diagnostic in progress
diagnostics-start = Start a diagnostic
diagnostics-assisted = Diagnostic taken with the structure (regional centre)
diagnostics-assisted_short = Assisted
diagnostics-progress = Progress by theme
diagnostics-progress_chart = Score by theme across diagnostics
diagnostics-progress_summary = Each point is a theme's score (0 to 3) at the end of a diagnostic.
diagnostics-no_finished = No finished diagnostic yet.
diagnostics-history = History
diagnostics-none = No diagnostic.
diagnostics-started = Started on
diagnostics-finished = Finished on
diagnostics-status = Status
diagnostics-status-in_progress = In progress
diagnostics-status-finished = Finished
diagnostics-status-signed_off = Signed off
diagnostics-score = Score
diagnostics-date = Date
diagnostics-report = Diagnostic report
diagnostics-latest = Latest diagnostic
diagnostics-level = Level
diagnostics-level-insufficient = Insufficient
diagnostics-level-fragile = Fragile
diagnostics-level-fair = Fair
diagnostics-level-strong = Strong
diagnostics-level-insufficient-meaning = The basic protections are missing: a common attack (a booby-trapped e-mail, a guessed password) can stop the structure. Start the priority measures below without waiting.
diagnostics-level-fragile-meaning = Some basics exist but have serious gaps: a serious incident remains likely and recovery would be long. The priority measures close the most used doors.
diagnostics-level-fair-meaning = The essential good practices are in place. What remains is to keep them up over time and fix the weak points reported.
diagnostics-level-strong-meaning = The structure follows most good practices. Keep checking them regularly and keep practising.
diagnostics-level-none-meaning = No score: no question of this theme got a valued answer ("don't know" or "not applicable").
diagnostics-themes = Themes
diagnostics-theme = Theme
diagnostics-summary = Summary
diagnostics-overall = Overall score
diagnostics-measures = Priority measures
diagnostics-measures_intro = The six measures to take first, chosen from your answers: the most urgent first, then those where things are weakest.
diagnostics-no_measures = No priority measure.
diagnostics-measure = Measure
diagnostics-effort = Effort
diagnostics-effort-low = Low effort
diagnostics-effort-medium = Medium effort
diagnostics-effort-high = High effort
diagnostics-priority = Priority
diagnostics-priority-1 = Urgent
diagnostics-priority-2 = High
diagnostics-priority-3 = Medium
diagnostics-priority-4 = To plan
diagnostics-finish = Finish the diagnostic
diagnostics-unanswered =
    { $count ->
        [0] Every question has an answer.
        [one] One question is left unanswered before you can finish.
       *[other] { $count } questions are left unanswered before you can finish.
    }
diagnostics-signed_off = Signed off on
diagnostics-sign_off = Sign off the diagnostic
diagnostics-dont_know = Don't know
diagnostics-not_applicable = Not applicable
diagnostics-save_continue = Save and continue
diagnostics-saved = Answers saved.
diagnostics-plan_title = Vulnerability reduction plan
diagnostics-plan_intro = The structure's actions: from its diagnostics' priority measures, its detected exposures, its vulnerability alerts and its incidents' lessons. An action whose source is fixed (an exposure verified fixed, an alert closed) closes itself.
diagnostics-open_actions =
    { $count ->
        [0] No open action
        [one] One open action
       *[other] { $count } open actions
    }
diagnostics-done_actions =
    { $count ->
        [0] none done
        [one] one done
       *[other] { $count } done
    }
diagnostics-overdue_actions =
    { $count ->
        [one] one overdue
       *[other] { $count } overdue
    }
diagnostics-no_actions = No action in the plan.
diagnostics-source = Source
diagnostics-overdue = Overdue
diagnostics-update = Update
diagnostics-add_from = Add to the plan from…
diagnostics-add_to_plan = Add to the plan
diagnostics-add_action = Add an action
diagnostics-closed-finding = Closed by itself: the exposure was verified fixed by scan #{ $scan }.
diagnostics-closed-alert = Closed by itself: the alert was closed ({ $status }).
diagnostics-alert-status-fixed = fixed
diagnostics-alert-status-not_affected = not affected
diagnostics-source-measure = Measure of diagnostic #{ $id }
diagnostics-source-finding = Exposure #{ $id }
diagnostics-source-alert = Alert #{ $id }
diagnostics-source-incident = Incident #{ $id }
diagnostics-source-manual = Typed in
diagnostics-source-kind-measure = Priority measure
diagnostics-source-kind-finding = Exposure
diagnostics-source-kind-alert = Vulnerability alert
diagnostics-source-kind-incident = Incident lesson
diagnostics-incident_lesson = Lesson of the incident "{ $title }"
diagnostics-action-status-todo = To do
diagnostics-action-status-in_progress = In progress
diagnostics-action-status-done = Done
diagnostics-action-status-cancelled = Cancelled
diagnostics-overview_title = Diagnostics: overview
diagnostics-filters = Filters
diagnostics-region = Region
diagnostics-all_regions = All regions
diagnostics-filter = Filter
diagnostics-export_csv = Export as CSV
diagnostics-diagnosed_of =
    { $count ->
        [one] structure diagnosed out of { $count }
       *[other] structures diagnosed out of { $count }
    }
diagnostics-last_year = diagnosed in the last twelve months
diagnostics-progress_of =
    { $count ->
        [0] mean progress (no structure diagnosed twice)
        [one] progress since the previous diagnostic (one structure)
       *[other] mean progress since the previous diagnostic ({ $count } structures)
    }
diagnostics-overdue_of =
    { $count ->
        [one] overdue actions, of one open action
       *[other] overdue actions, of { $count } open actions
    }
diagnostics-distribution = Distribution of scores
diagnostics-structures_diagnosed = Structures diagnosed
diagnostics-structures = Structures
diagnostics-structure = Structure
diagnostics-map = Mean score by region
diagnostics-mean_score = Mean score
diagnostics-by_region = By region
diagnostics-common_measures = Most common priority measures
diagnostics-common_measures_help = The measures that come up most in the latest diagnostics: good candidates for shared actions (awareness, group purchases, workshops).
diagnostics-overdue_title = Overdue actions
diagnostics-no_overdue = No overdue action.
diagnostics-recent = Latest diagnostics
diagnostics-since_last = Since the previous
diagnostics-before = Previous
diagnostics-by_theme = Scores by theme
diagnostics-report_tlp = to be shared only with the structure and those who support it.
diagnostics-dont_know_count =
    { $count ->
        [one] One "don't know" answer: a point to clear up with your provider.
       *[other] { $count } "don't know" answers: as many points to clear up with your provider.
    }
diagnostics-since_previous = Since the diagnostic of { $date }: { $change } on the { $questions } questions both share.

diagnostics-field-questionnaire = Questionnaire
diagnostics-field-title = Action
diagnostics-field-detail = Details
diagnostics-field-owner = Owner
diagnostics-field-due_on = Due
diagnostics-field-status = Status
diagnostics-field-evidence = Evidence
diagnostics-field-note = Sign-off comment
diagnostics-field-comment = Comment
diagnostics-field-source = Source
diagnostics-field-file = File
diagnostics-field-file_note = What the file shows

# Problems (store)
diagnostics-too-long = The field "{ $field }" must not exceed { $max } characters.
diagnostics-questionnaire-unknown = Unknown questionnaire: "{ $value }".
diagnostics-already-in-progress = A diagnostic is already in progress for this structure (#{ $id }): resume it.
diagnostics-too-many-answers = Too many answers at once ({ $max } at most).
diagnostics-not-in-progress = This diagnostic is no longer in progress ({ $status }): its answers no longer change.
diagnostics-question-unknown = Unknown question: "{ $question }".
diagnostics-answer-invalid = Not a valid answer to this question: "{ $value }".
diagnostics-incomplete =
    { $count ->
        [one] One question is left unanswered: answer it ("don't know" is an answer) before finishing.
       *[other] { $count } questions are left unanswered: answer them ("don't know" is an answer) before finishing.
    }
diagnostics-not-finished = This diagnostic is not finished ({ $status }).
diagnostics-field-required = The field "{ $field }" is required.
diagnostics-date-unreadable = Unreadable date: "{ $value }" (expected: YYYY-MM-DD).
diagnostics-source-unknown = This source does not exist, is not this structure's or is already fixed.
diagnostics-action-duplicate = An open action already comes from this source (#{ $id }).
diagnostics-value-unknown = Unknown value: "{ $value }".
diagnostics-evidence-required = Give the evidence it was done (a note: when, who, what was done; or an attached file) to mark the action done.
diagnostics-evidence-last-file = “{ $name }” is the only evidence of this action marked done: write an evidence note or reopen the action before removing the file.

# Evidence files of a plan's action
diagnostics-evidence_files = Evidence files
diagnostics-evidence_add = Attach evidence
diagnostics-evidence_attach = Attach
diagnostics-evidence_help = PDF, PNG, JPEG, GIF or text, { $max_mib } MiB at most. The file is encrypted at rest and served only to the people who see the plan.
diagnostics-evidence_file_meta = { $size } bytes, attached by { $by } on { $date }
