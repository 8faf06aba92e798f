# The observatory of incidents (issue 15): pages, report, import, open data.
nav-observatory = Observatoire
observatory-title = Observatoire des incidents de sécurité des systèmes d'information
observatory-subtitle = Secteurs santé et médico-social
observatory-period = Période
observatory-period-year = Année
observatory-period-quarter = Trimestre
observatory-period-month = Mois
observatory-period-custom = Dates choisies
observatory-year = Année
observatory-quarter = Trimestre
observatory-month = Mois
observatory-from = Du
observatory-to = Au (inclus)
observatory-territory = Territoire
observatory-france = France entière
observatory-show = Afficher
observatory-pdf = Rapport PDF
observatory-opendata = Données ouvertes (CSV)
observatory-json = Données (JSON)
observatory-print = Imprimer
observatory-import-link = Importer l'historique
observatory-range = du { $from } au { $to }
observatory-summary = Résumé
observatory-key-figures = Chiffres clés
observatory-kf-declarations = { $count ->
    [one] déclaration
   *[other] déclarations
}
observatory-kf-structures = { $count ->
    [one] structure déclarante
   *[other] structures déclarantes
}
observatory-kf-malicious = d'origine malveillante
observatory-kf-care = avec un impact sur la prise en charge des patients
observatory-kf-no-ops = sans impact sur le fonctionnement
observatory-kf-support = { $count ->
    [one] demande d'accompagnement
   *[other] demandes d'accompagnement
}
observatory-kf-supported = { $count ->
    [one] structure accompagnée techniquement
   *[other] structures accompagnées techniquement
}
observatory-kf-major = { $count ->
    [one] incident majeur
   *[other] incidents majeurs
}
observatory-kf-ransomware = { $count ->
    [one] rançongiciel
   *[other] rançongiciels
}
observatory-summary-text = { $declarations ->
    [one] Une déclaration
   *[other] { $declarations } déclarations
} d'incident de sécurité { $range } ({ $territory }). { $malicious } sont d'origine malveillante, { $care } ont eu un impact sur la prise en charge des patients et { $noops } n'ont eu aucun impact sur le fonctionnement des structures. { $support ->
    [0] Aucune demande d'accompagnement.
    [one] Une demande d'accompagnement.
   *[other] { $support } demandes d'accompagnement.
}
observatory-summary-empty = Aucune déclaration { $range } ({ $territory }).
observatory-yoy-text = Même période un an plus tôt : { $count } ({ $change }).
observatory-yoy-none = Même période un an plus tôt : aucune déclaration.
observatory-ch-declarations = Les déclarations
observatory-ch-declarations-intro = Les déclarations reçues mois par mois, et la comparaison avec la même période un an plus tôt.
observatory-ch-origin = Origine et nature des incidents
observatory-ch-origin-intro = L'origine des incidents déclarés, le type des incidents malveillants et la cause des autres.
observatory-ch-when = Quand les incidents sont déclarés
observatory-ch-when-intro = Le jour de la semaine et l'heure de la déclaration (heure de Paris).
observatory-ch-impact = Les conséquences
observatory-ch-impact-intro = L'impact sur la prise en charge des patients et sur le fonctionnement, et l'état de l'incident au moment de sa déclaration.
observatory-ch-where = Où
observatory-ch-where-intro = La région et le type de structure déclarante.
observatory-ch-delays = Les délais
observatory-ch-delays-intro = Le temps de la survenue à la détection, puis de la détection à la déclaration, pour les déclarations qui donnent les deux dates.
observatory-ch-method = Méthode
observatory-by-month = Déclarations par mois
observatory-by-origin = Déclarations par origine
observatory-by-malicious-type = Incidents malveillants par type
observatory-by-cause = Incidents non malveillants par cause
observatory-by-weekday = Déclarations par jour de la semaine
observatory-by-hour = Déclarations par heure
observatory-by-care = Impact sur la prise en charge des patients
observatory-by-ops = Impact sur le fonctionnement
observatory-by-state = État de l'incident à la déclaration
observatory-by-region = Déclarations par région
observatory-by-sector = Déclarations par type de structure
observatory-declarations = Déclarations
observatory-share = Part
observatory-month-col = Mois
observatory-origin-col = Origine
observatory-type-col = Type
observatory-cause-col = Cause
observatory-weekday-col = Jour
observatory-hour-col = Heure
observatory-impact-col = Impact
observatory-state-col = État
observatory-region-col = Région
observatory-sector-col = Type de structure
observatory-structures-col = Structures déclarantes
observatory-yoy = D'une année sur l'autre
observatory-yoy-figure = Indicateur
observatory-yoy-now = Période
observatory-yoy-before = Un an plus tôt
observatory-delay = Délai
observatory-delay-count = Déclarations
observatory-delay-p25 = 1er quartile
observatory-delay-median = Médiane
observatory-delay-p75 = 3e quartile
observatory-delay-p90 = 9e décile
observatory-delay-detection = De la survenue à la détection
observatory-delay-declaration = De la détection à la déclaration
observatory-delay-unknown = —
observatory-weekday-0 = lundi
observatory-weekday-1 = mardi
observatory-weekday-2 = mercredi
observatory-weekday-3 = jeudi
observatory-weekday-4 = vendredi
observatory-weekday-5 = samedi
observatory-weekday-6 = dimanche
observatory-sector-sanitaire = Établissement de santé
observatory-sector-medico_social = Structure médico-sociale
observatory-sector-other = Autre structure
observatory-unspecified = Non précisé
observatory-alt = Description du graphique
observatory-method-1 = Sont comptées les déclarations d'incidents transmises au CERT Santé (jamais les brouillons) et les déclarations antérieures importées d'un fichier, selon la date de leur déclaration, en heure de Paris. Une structure peut déclarer plusieurs fois un même incident, et bien des incidents ne sont jamais déclarés : ce sont des déclarations, pas des incidents.
observatory-method-2 = Les parts sont rapportées au nombre de déclarations. « Avec un impact sur la prise en charge » : tout impact autre que « aucun » ; « sans impact sur le fonctionnement » : un impact sur le fonctionnement déclaré « aucun ». Les déclarations importées portent une région et un type de structure mais aucune structure : elles ne comptent ni dans les structures déclarantes ni dans les GHT.
observatory-method-3 = Délais : médiane et quartiles au rang le plus proche, à la minute, sur les déclarations qui donnent les deux dates dans l'ordre.
observatory-method-4 = Données ouvertes : aucun effectif de 1 à 4 n'est publié ; d'autres effectifs sont masqués (secret secondaire) pour qu'aucun effectif masqué ne puisse être retrouvé à partir des totaux publiés.
observatory-bad_period = Période invalide ({ $detail }).
observatory-bad_territory = Territoire inconnu : { $value }.
observatory-import-title = Importer l'historique des déclarations
observatory-import-intro = Un fichier CSV (séparé par des points-virgules ou des virgules), une ligne d'en-tête, une déclaration par ligne. Colonnes obligatoires : id, declared_at (avec son décalage horaire), region, structure_kind, origin, type, care_impact, no_operations_impact, support_requested, major ; facultatives : occurred_at, detected_at, state.
observatory-import-file = Fichier CSV
observatory-import-skip = Importer les lignes valides et ignorer les lignes en erreur
observatory-import-submit = Importer
observatory-import-count = { $count ->
    [0] Aucune déclaration importée n'est encore dans la base.
    [one] Une déclaration importée se trouve déjà dans la base.
   *[other] { $count } déclarations importées se trouvent déjà dans la base.
}
observatory-import-done = { $count ->
    [0] Aucune déclaration importée.
    [one] Une déclaration importée.
   *[other] { $count } déclarations importées.
}
observatory-import-refused = Rien n'a été importé : { $count ->
    [one] une ligne est en erreur
   *[other] { $count } lignes sont en erreur
}. Corrigez le fichier ou cochez « ignorer les lignes en erreur ».
observatory-import-skipped = { $count ->
    [one] Une ligne ignorée.
   *[other] { $count } lignes ignorées.
}
observatory-import-line = Ligne
observatory-import-reason = Motif
observatory-import-bad_date = Colonne { $column } : « { $value } » n'est pas une date avec son décalage horaire (2023-03-14T09:30:00+01:00).
observatory-import-bad_boolean = Colonne { $column } : « { $value } » n'est ni oui ni non.
observatory-import-bad_value = Colonne { $column } : valeur inconnue « { $value } ».
observatory-import-type_origin = Le type { $type } ne correspond pas à l'origine { $origin }.
observatory-import-duplicate = Identifiant « { $value } » en double dans le fichier.
observatory-import-already = Identifiant « { $value } » déjà importé.
observatory-import-empty = Colonne { $column } vide.
observatory-import-future = Colonne { $column } : « { $value } » est dans le futur.
observatory-import-dates_order = Dates dans le désordre (survenue, détection, déclaration).
observatory-import-unreadable = Ligne illisible.
observatory-import-no_header = Le fichier n'a pas de ligne d'en-tête.
observatory-import-missing_column = Il manque la colonne { $column }.
observatory-import-too_large = Fichier trop gros (au plus { $max } octets).
observatory-import-too_many = Trop de lignes (au plus { $max }).
observatory-import-no_file = Choisissez un fichier.
