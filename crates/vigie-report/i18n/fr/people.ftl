# La recherche de l'en-tête (structures, avis, personnes) et les notifications des personnes.

search-label = Rechercher
search-placeholder = Structure, CVE, produit, personne…
search-submit = Rechercher
search-title = Recherche
search-again = Nouvelle recherche
search-hint = Un nom de structure, une ville, un numéro FINESS, un GHT, une CVE (CVE-2024-1234), un produit ou un éditeur, le nom ou l'e-mail d'une personne. Seul votre périmètre est cherché.
search-cut = Recherche trop longue : seuls ses { $max } premiers caractères ont été cherchés.
search-summary = { $count ->
    [0] Aucun résultat pour « { $q } »
    [one] 1 résultat pour « { $q } »
   *[other] { $count } résultats pour « { $q } »
}
search-empty = Rien ne correspond à « { $q } » dans votre périmètre. Vérifiez l'orthographe, ou cherchez un seul mot (une ville, un numéro FINESS, une CVE).
search-structures = Structures
search-advisories = Avis de vulnérabilité
search-people = Personnes
search-none_group = Aucun résultat dans cette catégorie.
search-see_all = { $count ->
    [one] Voir le résultat
   *[other] Voir les { $count } résultats
}
search-people_more = { $count ->
    [one] 1 personne trouvée
   *[other] { $count } personnes trouvées : précisez la recherche pour voir les autres.
}
search-concerns = { $count ->
    [one] 1 structure concernée
   *[other] { $count } structures concernées
}
search-known_elsewhere = { $ref } est connu de la veille mais ne concerne aucune structure de votre périmètre.
search-open_advisory = Voir l'avis

inbox-title = Mes notifications
inbox-intro = Ce que Vigie vous a signalé : nouvelles vulnérabilités exposées, alertes de veille, bulletin hebdomadaire, échéances d'incidents. Les non lues d'abord. Cette liste garde tout, même ce que vous ne recevez plus par e-mail.
inbox-prefs_link = Choisir ce que je reçois par e-mail
inbox-counts = { $count ->
    [0] Aucune notification.
    [one] { $unread ->
        [0] 1 notification, lue.
       *[other] 1 notification, non lue.
    }
   *[other] { $count } notifications, dont { $unread ->
        [0] aucune non lue
        [one] 1 non lue
       *[other] { $unread } non lues
    }.
}
inbox-read_all = Tout marquer comme lu
inbox-empty = Vous n'avez aucune notification pour l'instant.
inbox-unread = Non lue
inbox-mark_read = Marquer comme lue
inbox-bell = { $count ->
    [0] Mes notifications : aucune non lue
    [one] Mes notifications : 1 non lue
   *[other] Mes notifications : { $count } non lues
}
inbox-kind-scan_finding = Exposition sur internet
inbox-kind-watch_alert = Alerte de vulnérabilité
inbox-kind-watch_bulletin = Bulletin hebdomadaire de veille
inbox-kind-incidents = Échéance d'un incident
inbox-kind-other = Autre
account-email_prefs = Notifications par e-mail
account-email_prefs_help = Choisissez ce que vous recevez aussi par e-mail. Tout reste dans votre liste de notifications :
account-email_prefs_legend = Recevoir par e-mail
account-email_prefs_saved = Vos préférences d'e-mail sont enregistrées.
notifications-status-skipped = Non envoyé (la personne ne reçoit plus ce type par e-mail)
ux-audit-user-notification_prefs = Préférences de notification par e-mail modifiées
