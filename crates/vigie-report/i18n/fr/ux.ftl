# Pages d'analyste (issue 17) : vues par avis, liste des constats, filtres, pages, exports.

ux-pages = Pages de la liste
ux-page = Page
ux-previous = Page précédente
ux-next = Page suivante
ux-export_csv = Exporter en CSV
ux-export_json = Exporter en JSON
ux-all = Toutes
ux-region = Région
ux-ght = GHT
ux-sort = Trier par
ux-filter = Filtrer
ux-open_only = Seulement les ouvertes
ux-kev_only = Seulement les vulnérabilités exploitées
ux-filter-not-a-number = Le filtre « { $field } » attend un nombre, pas « { $value } ».
ux-filter-unknown-value = Le filtre « { $field } » ne connaît pas la valeur « { $value } ».

ux-priority-urgent = Urgente (exploitée)
ux-priority-high = Haute
ux-priority-medium = Moyenne
ux-priority-low = Basse

ux-alert_text = CVE ou titre
ux-alerts_count = { $count ->
    [0] Aucune alerte
    [one] { $count } alerte
   *[other] { $count } alertes
}
ux-alert_sort-priority = Priorité
ux-alert_sort-newest = Plus récentes
ux-alert_sort-oldest = Plus anciennes
ux-alert_sort-structure = Structure
ux-alert_sort-reference = Référence
ux-alert_sort-status = Statut

ux-advisories = Avis concernant votre territoire
ux-advisories_help = Les avis de sécurité (CVE) qui touchent au moins une structure de votre périmètre : les vulnérabilités exploitées activement d'abord, puis les plus récentes.
ux-advisory_text = CVE, produit ou titre
ux-advisories_count = { $count ->
    [0] Aucun avis
    [one] { $count } avis
   *[other] { $count } avis
}
ux-no_advisories = Aucun avis ne concerne votre périmètre avec ces filtres.
ux-title = Titre
ux-exploitation = Exploitation
ux-kev_short = Exploitée activement
ux-kev_since = au catalogue CISA depuis le
ux-kev_no = Pas d'exploitation connue (absente du catalogue CISA KEV)
ux-certfr = CERT-FR
ux-certfr_alert = Alerte CERT-FR
ux-cvss = Score CVSS
ux-epss = Probabilité d'exploitation (EPSS)
ux-structures = Structures
ux-regions = Régions
ux-open_alerts = Alertes ouvertes
ux-last_alert = Dernière alerte
ux-what_it_is = De quoi s'agit-il
ux-products = Produits concernés
ux-cve_org = Fiche sur cve.org
ux-concerned = Structures concernées dans votre périmètre
ux-structures_count = { $count ->
    [0] aucune structure
    [one] { $count } structure
   *[other] { $count } structures
}
ux-regions_count = { $count ->
    [0] aucune région
    [one] { $count } région
   *[other] { $count } régions
}
ux-open_alerts_count = { $count ->
    [0] aucune alerte ouverte
    [one] { $count } alerte ouverte
   *[other] { $count } alertes ouvertes
}
ux-bulk_done = { $count ->
    [0] Aucune alerte n'a changé de statut.
    [one] { $count } alerte a changé de statut.
   *[other] { $count } alertes ont changé de statut.
}
ux-no_structure_concerned = Aucune structure de votre périmètre n'utilise une version concernée.
ux-select = Sélectionner
ux-bulk = Traiter les alertes cochées
ux-bulk_submit = Appliquer aux alertes cochées
ux-print_hint = Pour imprimer la liste, utilisez l'impression du navigateur : filtres et boutons n'y figurent pas.

ux-findings = Tous les constats
ux-findings_help = Les constats d'exposition de toutes les structures de votre périmètre. Un constat est en retard quand il reste ouvert au-delà de son délai de traitement : 7 jours pour un critique, 30 pour un élevé, 90 pour un moyen, 180 pour un faible.
ux-severity = Criticité
ux-kind = Type
ux-age_days = Vu pour la première fois il y a au moins (jours)
ux-overdue_only = Seulement les constats en retard
ux-overdue = En retard
ux-findings_count = { $count ->
    [0] Aucun constat
    [one] { $count } constat
   *[other] { $count } constats
}
ux-no_findings = Aucun constat ne correspond à ces filtres.
ux-finding = Constat
ux-address = Adresse et port
ux-first_seen = Vu la première fois
ux-last_seen = Vu la dernière fois
ux-fstatus-open = ouverts
ux-fstatus-all = tous
ux-finding_sort-severity = Criticité
ux-finding_sort-oldest = Plus anciens
ux-finding_sort-newest = Plus récents
ux-finding_sort-structure = Structure
ux-finding_sort-kind = Type

ux-advisory_page = Toutes les structures concernées par cet avis
ux-reason-match = { $product } { $version } fait partie des versions concernées selon { $sources } (fiabilité { $confidence }).
ux-reason-review = { $product } { $version } est peut-être concerné selon { $sources } : à vérifier (fiabilité { $confidence }).
ux-reason-eol = { $product } { $version } n'a plus de correctifs de sécurité de son éditeur.
ux-source-cve-cna = la fiche CVE de l'éditeur
ux-source-cisa-adp = l'enrichissement CVE de la CISA
ux-source-nvd = la base NVD
ux-source-kev = le catalogue KEV de la CISA
ux-source-cert-fr = le CERT-FR
ux-source-end-of-life = endoflife.date
ux-source-epss = EPSS
ux-confirm_remove = Retirer « { $what } » ? Cette action est définitive.
ux-confirm_remove_button = Oui, retirer
ux-regions_title = Régions
ux-agency = Agence régionale de santé
ux-see = Voir
ux-advisories_short = Avis
ux-alerts_short = Alertes ouvertes
ux-findings_short = Constats
ux-support = Établissement support
ux-support_link = Page de l'établissement support
notifications-status-kept = Gardé dans la boîte d'envoi (démonstration : aucun serveur de courriel)
ux-no_smtp = aucun serveur de courriel n'est configuré (réglage [notify] smtp_url)
ux-audit_family = Famille d'actions
ux-audit_person = Personne
ux-audit_from = Du
ux-audit_to = Au
ux-audit_count = { $count ->
    [0] Aucune entrée
    [one] { $count } entrée
   *[other] { $count } entrées
}
ux-audit_family-auth = Connexions
ux-audit_family-user = Comptes
ux-audit_family-watch = Veille des vulnérabilités
ux-audit_family-finding = Constats d'exposition
ux-audit_family-scan = Analyses
ux-audit_family-registry = Répertoire
ux-audit_family-incident = Incidents
ux-audit-auth-login = Connexion
ux-audit-watch-alert-triage = Suivi d'une alerte
ux-audit-finding-acknowledge = Prise en compte d'un constat
ux-audit-asset-add = Actif déclaré
ux-audit-asset-remove = Actif retiré
ux-audit-asset-validate = Actif validé
ux-audit-contact-set = Contact de la structure mis à jour
ux-audit-diagnostic-answers = Réponses d'un diagnostic enregistrées
ux-audit-diagnostic-backdate_demo = Diagnostic de démonstration daté
ux-audit-diagnostic-finish = Diagnostic terminé
ux-audit-diagnostic-sign_off = Diagnostic validé
ux-audit-diagnostic-start = Diagnostic commencé
ux-audit-ght-import = Import des compositions de GHT
ux-audit-ght-upsert = GHT créé ou mis à jour
ux-audit-incident-assign = Incident attribué
ux-audit-incident-sector-alert = Alerte sectorielle envoyée depuis un incident
ux-audit-incident-attachment-add = Pièce jointe ajoutée à un incident
ux-audit-incident-attachment-download = Pièce jointe d'un incident téléchargée
ux-audit-incident-create = Déclaration d'incident commencée (brouillon)
ux-audit-incident-designations = Désignations réglementaires de la structure pour un incident
ux-audit-incident-name = Personne nommée sur un incident
ux-audit-incident-note = Note ajoutée à un incident
ux-audit-incident-notification = Notification réglementaire enregistrée
ux-audit-incident-observable = Observable ajouté à un incident
ux-audit-incident-reminder = Rappel d'échéance envoyé
ux-audit-incident-support = Soutien technique apporté à la structure (incident)
ux-audit-incident-status = Statut d'un incident changé
ux-audit-incident-submit = Incident déclaré
ux-audit-incident-triage = Incident qualifié
ux-audit-incident-update = Brouillon de déclaration modifié
ux-audit-observatory-import = Import de déclarations passées (observatoire)
ux-audit-plan-action-add = Action ajoutée au plan
ux-audit-plan-action-auto_close = Action close d'elle-même (source corrigée)
ux-audit-plan-action-update = Action du plan mise à jour
ux-audit-plan-evidence-add = Preuve jointe à une action du plan
ux-audit-plan-evidence-download = Preuve d'une action du plan téléchargée
ux-audit-plan-evidence-remove = Preuve retirée d'une action du plan
ux-audit-registry-upsert = Import du répertoire FINESS
ux-audit-scan-failed = Scan en échec
ux-audit-scan-finish = Scan terminé
ux-audit-scan-request = Scan demandé
ux-audit-scan-start = Scan commencé
ux-audit-structure-designations = Désignations réglementaires d'une structure
ux-audit-surveillance-set = Réglages de surveillance d'une structure
ux-audit-token-create = Jeton d'API créé
ux-audit-token-revoke = Jeton d'API révoqué
ux-audit-user-create = Compte créé
ux-audit-user-disable = Compte désactivé
ux-audit-user-enable = Compte réactivé
ux-audit-user-mfa_disabled = Second facteur désactivé
ux-audit-user-mfa_enabled = Second facteur activé
ux-audit-user-mfa_enrolment_started = Enrôlement du second facteur commencé
ux-audit-user-mfa_renewed = Second facteur renouvelé
ux-audit-user-mfa_reset = Second facteur réinitialisé
ux-audit-user-oidc_sync = Compte mis à jour par le fournisseur d'identité
ux-audit-user-password_reset = Mot de passe réinitialisé
ux-audit-user-password_set = Mot de passe changé
ux-audit-user-update = Rôle ou périmètre d'un compte modifié
ux-audit-watch-bulletin-queue = Bulletin hebdomadaire mis en file
ux-audit-watch-ingest = Avis de sécurité importés
ux-audit-watch-ingest-done = Import d'avis terminé
ux-audit-watch-ingest-queue = Import d'avis demandé depuis une adresse
ux-audit-watch-inventory-import = Inventaire importé d'un fichier
ux-audit-watch-inventory-add = Produit ajouté à l'inventaire
ux-audit-watch-inventory-remove = Produit retiré de l'inventaire
ux-audit-watch-inventory-update = Inventaire mis à jour
ux-audit-watch-reindex = Index des produits reconstruit
ux-audit-webhook-create = Webhook créé
ux-audit-webhook-delete = Webhook supprimé

# Dashboard figures with their plural.
ux-fig-structures = { $count ->
    [one] Structure suivie
   *[other] Structures suivies
}
ux-fig-with_assets = { $count ->
    [one] Structure ayant déclaré des actifs
   *[other] Structures ayant déclaré des actifs
}
ux-fig-with_rssi = { $count ->
    [one] Structure avec un RSSI renseigné
   *[other] Structures avec un RSSI renseigné
}
ux-fig-ose = { $count ->
    [one] Opérateur de services essentiels
   *[other] Opérateurs de services essentiels
}
ux-fig-findings_open = { $count ->
    [one] Constat d'exposition ouvert
   *[other] Constats d'exposition ouverts
}
ux-fig-findings_critical = { $count ->
    [one] Constat critique
   *[other] Constats critiques
}
ux-fig-findings_high = { $count ->
    [one] Constat de sévérité haute
   *[other] Constats de sévérité haute
}
ux-fig-findings_medium = { $count ->
    [one] Constat de sévérité moyenne
   *[other] Constats de sévérité moyenne
}
ux-fig-findings_low = { $count ->
    [one] Constat faible ou informatif
   *[other] Constats faibles ou informatifs
}
ux-fig-exposed_structures = { $count ->
    [one] Structure ayant un constat ouvert
   *[other] Structures ayant un constat ouvert
}
ux-fig-alerts_open = { $count ->
    [one] Alerte de vulnérabilité ouverte
   *[other] Alertes de vulnérabilité ouvertes
}
ux-fig-alerts_kev = { $count ->
    [one] Alerte sur une vulnérabilité activement exploitée (KEV)
   *[other] Alertes sur une vulnérabilité activement exploitée (KEV)
}

# Charts of the dashboards and of the regions' and GHTs' pages
ux-chart_alt = Description du graphique
ux-chart_data = Voir les données du graphique
ux-chart_findings = Constats ouverts
ux-chart_alerts = Alertes ouvertes
ux-chart_open = Constats et alertes ouverts
ux-chart_severity = Sévérité
ux-chart_priority = Priorité
ux-chart_kind = Type de constat
ux-chart_week = Date
ux-chart_structure = Structure
ux-chart_ght = GHT
ux-chart_department = Département
ux-chart_no_ght = Hors GHT
ux-chart_charts = En images
ux-chart_territories = Les territoires côte à côte
ux-chart_findings_by_severity = Constats ouverts par sévérité
ux-chart_findings_by_kind = Types de constats ouverts les plus fréquents
ux-chart_findings_trend = Constats ouverts sur les 12 dernières semaines
ux-chart_findings_trend_summary = Nombre de constats ouverts à chaque date, de semaine en semaine jusqu'à aujourd'hui. Un constat corrigé puis revu compte comme ouvert pendant le temps de sa correction.
ux-chart_alerts_by_level = Alertes ouvertes par priorité
ux-chart_alerts_trend = Alertes ouvertes sur les 12 dernières semaines
ux-chart_alerts_trend_summary = Nombre d'alertes ouvertes à chaque date, de semaine en semaine jusqu'à aujourd'hui. Une alerte close puis rouverte compte comme ouverte pendant le temps où elle était close.
ux-chart_regions = Constats et alertes ouverts par région
ux-chart_regions_map = Carte des constats ouverts par région
ux-chart_departments = Constats et alertes ouverts par département
ux-chart_ghts = Constats et alertes ouverts par GHT
ux-chart_departments_map = Carte des constats ouverts par département
ux-chart_departments_map_summary = Seuls les départements de votre territoire sont colorés.
ux-chart_members = Constats et alertes ouverts par structure
ux-chart_territories_summary = Les territoires ayant le plus de constats ouverts viennent en premier.

## Forms of the registry's assets (issue 17)
ux-asset-kind-unknown = Le type d’actif « { $value } » n’existe pas : choisissez un nom de domaine ou une plage d’adresses IP.
ux-asset-duplicate = L’actif « { $value } » est déjà déclaré pour cette structure.
ux-surveillance-interval-not-a-number = L’intervalle doit être un nombre entier d’heures, pas « { $value } ».
