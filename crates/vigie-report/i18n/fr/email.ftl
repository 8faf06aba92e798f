## Les courriels que Vigie envoie (vigie_report::email). Les valeurs entre accolades sont
## fournies par le programme ; les nombres choisissent les formes du pluriel.

email-signature = Vigie, veille et alerte du CERT Santé
email-hello = Bonjour,
email-structure = Structure
email-finding = Constat
email-severity = Criticité
email-system = Système
email-evidence = Élément observé
email-advice = Recommandation

## Nouveau constat d'exposition (scan.finding.new)
email-finding-new = Nouvelle exposition détectée
email-finding-reopened = Exposition de nouveau constatée
email-finding-intro-new = La surveillance de l'exposition sur Internet de Vigie a détecté un nouveau point d'exposition.
email-finding-intro-reopened = Une exposition que le dernier contrôle avait vue corrigée est de nouveau visible depuis Internet.
email-finding-subject = [Vigie] { $what } ({ $severity }) : { $title } – { $structure }
email-finding-follow = Détail et suivi
email-finding-link = Voir l'exposition de la structure

## Alerte de vulnérabilité ou de fin de support (watch.alert.new)
email-alert-eol = Fin de support
email-alert-vuln = Vulnérabilité { $ref }
email-alert-vuln-kev = Vulnérabilité activement exploitée { $ref }
email-alert-review-tag = (à vérifier)
email-alert-subject = [Vigie] { $what } : { $product } { $version }{ $review } — { $structure }
email-alert-intro = Vigie a relevé une alerte pour { $structure } :
email-alert = Alerte
email-product = Produit
email-version = Version
email-alert-title = Intitulé
email-priority = Priorité
email-why = Pourquoi
email-alert-review = La version n'a pas pu être comparée avec certitude : une vérification humaine est nécessaire.
email-alert-follow = Détail et suivi (pris en compte, corrigé, non concerné)
email-alert-link = Détail et suivi de l'alerte
email-reason-kev = Exploitée activement : ajoutée au catalogue KEV de la CISA le { $date }
email-reason-kev-undated = Exploitée activement (catalogue KEV de la CISA)
email-reason-certfr-alert = Alerte CERT-FR : { $refs }
email-reason-certfr-advisory = Avis CERT-FR : { $refs }
email-reason-epss = Probabilité d'exploitation (EPSS) : { $epss }
email-reason-cvss = Score CVSS : { $cvss }
email-reason-exposed = Exposé sur internet
email-reason-eol = Hors support depuis le { $date }

## Bulletin hebdomadaire (watch.bulletin)
email-bulletin-title = Bulletin de veille Vigie
email-bulletin-title-for = Bulletin de veille Vigie — { $territory }
email-bulletin-title-region = Bulletin de veille Vigie — région { $territory }
email-bulletin-subject = [Vigie] { $title } — semaine { $week }
email-bulletin-week = Semaine { $week }
email-bulletin-summary = { $alerts ->
        [one] { $alerts } nouvelle alerte
       *[other] { $alerts } nouvelles alertes
    } et { $advisories ->
        [one] { $advisories } nouvel avis
       *[other] { $advisories } nouveaux avis
    } cette semaine.
email-bulletin-nothing = Aucune nouvelle alerte cette semaine.
email-bulletin-advisories = Nouveaux avis qui vous concernent
email-bulletin-alerts = Alertes de la semaine
email-bulletin-advisory = Avis
email-bulletin-exploited-col = Exploitée (KEV)
email-bulletin-exploited = exploitée
email-bulletin-structures-col = Structures concernées
email-bulletin-structures = { $count ->
        [one] { $count } structure
       *[other] { $count } structures
    }
email-bulletin-priority = priorité { $priority }
email-bulletin-online = Le bulletin en ligne
email-sector-subject = [Vigie] Alerte sectorielle : { $product } ({ $structure })
email-sector-from-cert = Le CERT Santé
email-sector-from-region = Le centre de ressources cyber de la région { $region }
email-sector-intro = { $from } vous alerte : une attaque contre une structure de santé est passée par { $product }, que { $structure } utilise d'après son inventaire.
email-sector-product = Produit
email-sector-versions = Versions chez vous
email-sector-exposed = Ce produit est exposé sur internet chez vous.
email-sector-advisory = Vulnérabilité
email-sector-tlp-note = Ce message est marqué selon le protocole TLP : ne le diffusez qu'aux personnes qui en ont besoin dans votre structure.
email-sector-follow = Votre structure dans Vigie
email-sector-link = Voir votre structure dans Vigie
