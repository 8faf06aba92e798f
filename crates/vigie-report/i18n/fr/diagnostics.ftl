# Diagnostics de maturité et plans d'action (issue 16).

nav-diagnostics = Diagnostics
diagnostics-title = Diagnostics de maturité cyber
diagnostics-intro = Un diagnostic fait le point, thème par thème, sur la sécurité informatique de l'établissement et désigne les six mesures à prendre en premier. On peut l'interrompre et le reprendre : chaque thème est enregistré quand on passe au suivant.
diagnostics-resume = Reprendre le diagnostic en cours
diagnostics-start = Commencer un diagnostic
diagnostics-assisted = Diagnostic mené avec la structure (centre régional)
diagnostics-assisted_short = Accompagné
diagnostics-progress = Progression par thème
diagnostics-progress_chart = Score par thème au fil des diagnostics
diagnostics-progress_summary = Chaque point est le score d'un thème (0 à 3) à la fin d'un diagnostic.
diagnostics-no_finished = Aucun diagnostic terminé pour l'instant.
diagnostics-history = Historique
diagnostics-none = Aucun diagnostic.
diagnostics-started = Commencé le
diagnostics-finished = Terminé le
diagnostics-status = Statut
diagnostics-status-in_progress = En cours
diagnostics-status-finished = Terminé
diagnostics-status-signed_off = Validé
diagnostics-score = Score
diagnostics-date = Date
diagnostics-report = Rapport de diagnostic
diagnostics-latest = Dernier diagnostic
diagnostics-level = Niveau
diagnostics-level-insufficient = Insuffisant
diagnostics-level-fragile = Fragile
diagnostics-level-fair = Correct
diagnostics-level-strong = Solide
diagnostics-level-insufficient-meaning = Les protections de base manquent : une attaque courante (un courriel piégé, un mot de passe deviné) peut arrêter l'établissement. Les mesures prioritaires ci-dessous sont à engager sans attendre.
diagnostics-level-fragile-meaning = Des bases existent mais ont des trous importants : un incident sérieux reste probable et la reprise serait longue. Les mesures prioritaires ferment les portes les plus utilisées.
diagnostics-level-fair-meaning = Les bonnes pratiques essentielles sont en place. Il reste à les tenir dans la durée et à traiter les points faibles signalés.
diagnostics-level-strong-meaning = L'établissement applique la plupart des bonnes pratiques. Continuez à les vérifier régulièrement et à vous exercer.
diagnostics-level-none-meaning = Pas de score : aucune question de ce thème n'a reçu de réponse chiffrée (« je ne sais pas » ou « non applicable »).
diagnostics-themes = Thèmes
diagnostics-theme = Thème
diagnostics-summary = Synthèse
diagnostics-overall = Score global
diagnostics-measures = Mesures prioritaires
diagnostics-measures_intro = Les six mesures à prendre en premier, choisies d'après vos réponses : les plus urgentes d'abord, puis celles où la situation est la plus faible.
diagnostics-no_measures = Aucune mesure prioritaire.
diagnostics-measure = Mesure
diagnostics-effort = Effort
diagnostics-effort-low = Effort faible
diagnostics-effort-medium = Effort moyen
diagnostics-effort-high = Effort important
diagnostics-priority = Priorité
diagnostics-priority-1 = Urgente
diagnostics-priority-2 = Haute
diagnostics-priority-3 = Moyenne
diagnostics-priority-4 = À planifier
diagnostics-finish = Terminer le diagnostic
diagnostics-unanswered =
    { $count ->
        [0] Toutes les questions ont une réponse.
        [one] Il reste une question sans réponse avant de pouvoir terminer.
       *[other] Il reste { $count } questions sans réponse avant de pouvoir terminer.
    }
diagnostics-signed_off = Validé le
diagnostics-sign_off = Valider le diagnostic
diagnostics-dont_know = Je ne sais pas
diagnostics-not_applicable = Non applicable
diagnostics-save_continue = Enregistrer et continuer
diagnostics-saved = Réponses enregistrées.
diagnostics-plan_title = Plan de réduction des vulnérabilités
diagnostics-plan_intro = Les actions de l'établissement : issues des mesures prioritaires de ses diagnostics, des expositions détectées, des alertes de vulnérabilité et des enseignements de ses incidents. Une action dont la source est corrigée (exposition vérifiée corrigée, alerte close) se ferme d'elle-même.
diagnostics-open_actions =
    { $count ->
        [0] Aucune action en cours
        [one] Une action en cours
       *[other] { $count } actions en cours
    }
diagnostics-done_actions =
    { $count ->
        [0] aucune réalisée
        [one] une réalisée
       *[other] { $count } réalisées
    }
diagnostics-overdue_actions =
    { $count ->
        [one] une en retard
       *[other] { $count } en retard
    }
diagnostics-no_actions = Aucune action dans le plan.
diagnostics-source = Origine
diagnostics-overdue = En retard
diagnostics-update = Mettre à jour
diagnostics-add_from = Ajouter au plan depuis…
diagnostics-add_to_plan = Ajouter au plan
diagnostics-add_action = Ajouter une action
diagnostics-closed-finding = Fermée d'elle-même : l'exposition a été vérifiée corrigée par l'analyse n° { $scan }.
diagnostics-closed-alert = Fermée d'elle-même : l'alerte a été close ({ $status }).
diagnostics-alert-status-fixed = corrigée
diagnostics-alert-status-not_affected = non concerné
diagnostics-source-measure = Mesure du diagnostic n° { $id }
diagnostics-source-finding = Exposition n° { $id }
diagnostics-source-alert = Alerte n° { $id }
diagnostics-source-incident = Incident n° { $id }
diagnostics-source-manual = Saisie
diagnostics-source-kind-measure = Mesure prioritaire
diagnostics-source-kind-finding = Exposition
diagnostics-source-kind-alert = Alerte de vulnérabilité
diagnostics-source-kind-incident = Enseignement d'incident
diagnostics-incident_lesson = Enseignement de l'incident « { $title } »
diagnostics-action-status-todo = À faire
diagnostics-action-status-in_progress = En cours
diagnostics-action-status-done = Réalisée
diagnostics-action-status-cancelled = Abandonnée
diagnostics-overview_title = Diagnostics : vue d'ensemble
diagnostics-filters = Filtres
diagnostics-region = Région
diagnostics-all_regions = Toutes les régions
diagnostics-filter = Filtrer
diagnostics-export_csv = Exporter en CSV
diagnostics-diagnosed_of =
    { $count ->
        [one] structure diagnostiquée sur { $count }
       *[other] structures diagnostiquées sur { $count }
    }
diagnostics-last_year = diagnostiquées dans les douze derniers mois
diagnostics-progress_of =
    { $count ->
        [0] progression moyenne (aucune structure diagnostiquée deux fois)
        [one] progression depuis le diagnostic précédent (une structure)
       *[other] progression moyenne depuis le diagnostic précédent ({ $count } structures)
    }
diagnostics-overdue_of =
    { $count ->
        [one] actions en retard, sur une action en cours
       *[other] actions en retard, sur { $count } actions en cours
    }
diagnostics-distribution = Répartition des scores
diagnostics-structures_diagnosed = Structures diagnostiquées
diagnostics-structures = Structures
diagnostics-structure = Structure
diagnostics-map = Score moyen par région
diagnostics-mean_score = Score moyen
diagnostics-by_region = Par région
diagnostics-common_measures = Mesures prioritaires les plus fréquentes
diagnostics-common_measures_help = Les mesures qui reviennent le plus dans les derniers diagnostics : de bons candidats pour des actions mutualisées (sensibilisation, achats groupés, ateliers).
diagnostics-overdue_title = Actions en retard
diagnostics-no_overdue = Aucune action en retard.
diagnostics-recent = Derniers diagnostics
diagnostics-since_last = Depuis le précédent
diagnostics-before = Précédent
diagnostics-by_theme = Scores par thème
diagnostics-report_tlp = à partager avec l'établissement et ceux qui l'accompagnent seulement.
diagnostics-dont_know_count =
    { $count ->
        [one] Une réponse « je ne sais pas » : c'est un point à éclaircir avec votre prestataire.
       *[other] { $count } réponses « je ne sais pas » : autant de points à éclaircir avec votre prestataire.
    }
diagnostics-since_previous = Depuis le diagnostic du { $date } : { $change } sur les { $questions } questions communes aux deux.

diagnostics-field-questionnaire = Questionnaire
diagnostics-field-title = Action
diagnostics-field-detail = Précisions
diagnostics-field-owner = Responsable
diagnostics-field-due_on = Échéance
diagnostics-field-status = Statut
diagnostics-field-evidence = Preuve
diagnostics-field-note = Commentaire de validation
diagnostics-field-comment = Commentaire
diagnostics-field-source = Origine
diagnostics-field-file = Fichier
diagnostics-field-file_note = Ce que montre le fichier

# Problèmes (store)
diagnostics-too-long = Le champ « { $field } » ne doit pas dépasser { $max } caractères.
diagnostics-questionnaire-unknown = Questionnaire inconnu : « { $value } ».
diagnostics-already-in-progress = Un diagnostic est déjà en cours pour cet établissement (n° { $id }) : reprenez-le.
diagnostics-too-many-answers = Trop de réponses à la fois ({ $max } au plus).
diagnostics-not-in-progress = Ce diagnostic n'est plus en cours ({ $status }) : ses réponses ne se modifient plus.
diagnostics-question-unknown = Question inconnue : « { $question } ».
diagnostics-answer-invalid = Réponse non valable à cette question : « { $value } ».
diagnostics-incomplete =
    { $count ->
        [one] Il reste une question sans réponse : répondez-y (« je ne sais pas » est une réponse) avant de terminer.
       *[other] Il reste { $count } questions sans réponse : répondez-y (« je ne sais pas » est une réponse) avant de terminer.
    }
diagnostics-not-finished = Ce diagnostic n'est pas terminé ({ $status }).
diagnostics-field-required = Le champ « { $field } » est obligatoire.
diagnostics-date-unreadable = Date illisible : « { $value } » (attendu : AAAA-MM-JJ).
diagnostics-source-unknown = Cette origine n'existe pas, n'est pas de cet établissement ou est déjà corrigée.
diagnostics-action-duplicate = Une action en cours vient déjà de cette origine (n° { $id }).
diagnostics-value-unknown = Valeur inconnue : « { $value } ».
diagnostics-evidence-required = Indiquez la preuve de réalisation (une note : date, qui, ce qui a été fait ; ou un fichier joint) pour marquer l'action réalisée.
diagnostics-evidence-last-file = « { $name } » est la seule preuve de cette action réalisée : écrivez une note de preuve ou rouvrez l'action avant de retirer le fichier.

# Preuves en fichiers d'une action du plan
diagnostics-evidence_files = Fichiers de preuve
diagnostics-evidence_add = Joindre une preuve
diagnostics-evidence_attach = Joindre
diagnostics-evidence_help = PDF, PNG, JPEG, GIF ou texte, { $max_mib } Mio au plus. Le fichier est chiffré au repos et n'est servi qu'aux personnes qui voient le plan.
diagnostics-evidence_file_meta = { $size } octets, joint par { $by } le { $date }
