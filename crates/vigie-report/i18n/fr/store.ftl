# Les problèmes que signale le stockage (vigie-store) : une erreur dans ce qu'une personne a saisi
# ou fourni. Chaque clé est nommée d'après la partie du stockage qui la signale ; les arguments
# sont décrits dans le code qui la produit.

## Comptes

accounts-cannot-disable-self = Vous ne pouvez pas désactiver votre propre compte.
accounts-cannot-change-own-access = Vous ne pouvez pas changer votre propre rôle ni votre propre périmètre.
accounts-display-name-invalid = Le nom affiché est obligatoire et ne doit pas dépasser { $max } caractères.
accounts-email-invalid = « { $value } » n’est pas une adresse électronique valide.
accounts-ght-unknown = Le GHT n° { $id } n’existe pas.
accounts-grant-outside-scope = Le rôle « { $role } » avec ce périmètre dépasse votre propre périmètre.
accounts-locale-unknown = La langue « { $value } » n’est pas proposée : choisissez fr ou en.
accounts-mfa-required = Le rôle « { $role } » exige un second facteur : il ne peut pas être désactivé.
accounts-oidc-no-password = Ce compte se connecte par son fournisseur d’identité : il n’a pas de mot de passe Vigie.
accounts-oidc-managed-access = Le rôle et le périmètre de ce compte viennent de son fournisseur d’identité à chaque connexion : changez-les là-bas.
accounts-admin-reset-cli = Le mot de passe d’un administrateur se réinitialise en ligne de commande (vigie admin), pas par un autre administrateur.
accounts-oidc-ght-unknown = Le GHT « { $code } » indiqué par le fournisseur d’identité est inconnu de Vigie.
accounts-password-too-long = Le mot de passe ne doit pas dépasser { $max } caractères.
accounts-password-too-short =
    Le mot de passe doit compter au moins { $min } caractères ; { $count ->
        [one] celui-ci n’en compte qu’un.
       *[other] celui-ci en compte { $count }.
    }
accounts-region-unknown = « { $value } » n’est pas un code de région.
accounts-reset-own-password = Changez votre propre mot de passe depuis « Mon compte ».
accounts-role-above-own = Vous ne pouvez pas attribuer ni modifier le rôle « { $role } » : il dépasse le vôtre.
accounts-role-needs-ght = Le rôle « { $role } » exige un GHT.
accounts-role-needs-region = Le rôle « { $role } » exige une région.
accounts-role-needs-structure = Le rôle « { $role } » exige au moins une structure.
accounts-structure-unknown = La structure n° { $id } n’existe pas.
accounts-token-name-invalid = Le nom du jeton est obligatoire et ne doit pas dépasser { $max } caractères.
accounts-totp-offer-invalid = Cette clé de second facteur n’a pas été proposée par Vigie à ce compte : recommencez.
accounts-totp-offer-expired = Cette clé de second facteur a été proposée il y a plus de 15 minutes : une nouvelle clé vous est proposée, scannez-la à nouveau.

## Sauvegardes et migrations

archive-column-unknown = L’archive donne à la table { $table } une colonne inconnue : { $column }.
archive-format-unsupported = Le format d’archive { $format } n’est pas pris en charge.
archive-not-an-archive = Ce fichier n’est pas une archive Vigie ({ $detail }).
archive-row-invalid = La ligne { $row } de la table { $table } de l’archive est illisible ({ $detail }).
archive-row-width =
    La ligne { $row } de la table { $table } de l’archive compte { $found ->
        [one] une valeur
       *[other] { $found } valeurs
    } au lieu de { $expected }.
archive-schema-too-new = L’archive provient du schéma { $version }, plus récent que celui de cette version de Vigie ({ $known }) : mettez Vigie à jour avant de la restaurer.
archive-table-line-invalid = L’en-tête de la table { $table } de l’archive est illisible ({ $detail }).
archive-table-unexpected = L’archive présente la table { $found } là où la table { $expected } était attendue.
archive-target-not-empty =
    La base de destination n’est pas vide (la table { $table } compte { $rows ->
        [one] une ligne
       *[other] { $rows } lignes
    }) : une restauration ne se fait que dans une base vide.
archive-truncated = L’archive s’arrête avant la fin (ligne { $line }).
archive-unreadable = La ligne { $line } de l’archive est illisible ({ $detail }).
archive-value-type = À la ligne { $row } de la table { $table } de l’archive, la colonne { $column } n’a pas le bon type de valeur.
migrate-schema-too-new = La base est au schéma { $version }, plus récent que celui de cette version de Vigie ({ $known }) : mettez Vigie à jour avant d’utiliser cette base.

## Configuration

db-url-invalid = L’adresse de la base de données est incorrecte ({ $detail }).
db-url-scheme = L’adresse de la base de données doit commencer par sqlite: ou postgres: (elle commence par « { $scheme } »).
secrets-key-malformed = La clé secrète doit faire 32 octets, écrits en 64 chiffres hexadécimaux ou en base64 (pour en créer une : openssl rand -hex 32).

## Incidents

incidents-assignee-invalid = Le compte n° { $id } ne peut pas se voir confier cet incident : il faut un analyste dont le périmètre couvre la structure.
incidents-date-in-future = La date du champ « { $field } » est dans le futur.
incidents-date-nonexistent = « { $value } » (champ « { $field } ») n’existe pas dans le fuseau { $zone } : les horloges ont avancé d’une heure à ce moment-là.
incidents-date-unreadable = « { $value } » (champ « { $field } ») n’est pas une date et une heure : écrivez AAAA-MM-JJTHH:MM, par exemple 2026-03-02T07:40.
incidents-detected-before-occurred = La détection (champ « { $field } ») ne peut pas précéder la survenue de l’incident.
incidents-email-invalid = « { $value } » (champ « { $field } ») n’est pas une adresse électronique valide.
incidents-field-required = Le champ « { $field } » est obligatoire.
incidents-field-too-long = Le champ « { $field } » ne doit pas dépasser { $max } caractères.
incidents-not-draft = Cette déclaration n’est plus un brouillon ({ $status }) : elle ne se modifie plus, complétez-la par une note.
incidents-note-invalid = Écrivez la note, en { $max } caractères au plus.
incidents-notification-not-owed = L’incident ne doit pas la notification « { $rule } ».
incidents-observable-duplicate = L’observable « { $value } » est déjà enregistré sur cet incident.
incidents-observable-invalid = « { $value } » n’est pas une valeur de type { $kind } ({ $reason }).
incidents-person-invalid = « { $value } » ne désigne aucun compte actif pouvant voir les incidents de cette structure.
incidents-source-unknown = Le n° { $id } (champ « { $field } ») ne désigne aucun constat ni alerte de cette structure.
incidents-status-move-invalid = Un incident au statut « { $from } » ne peut pas passer au statut « { $to } ».
incidents-still-draft = Cet incident est encore un brouillon : il sera traité une fois la déclaration envoyée.
incidents-sector-product-invalid = Indiquez le produit : sa clé d'inventaire (200 caractères au plus), par exemple fortinet:fortios.
incidents-sector-advisory-invalid = La vulnérabilité s'écrit comme un identifiant d'avis (lettres, chiffres, tirets, 64 caractères au plus), par exemple CVE-2024-55591.
incidents-sector-message-invalid = Écrivez le message aux structures ({ $max } caractères au plus).
incidents-sector-tlp-invalid = Une alerte sectorielle se marque TLP:CLEAR, TLP:GREEN ou TLP:AMBER : elle part vers de nombreuses structures.
incidents-sector-nobody = Aucune structure de votre périmètre n'utilise « { $product } » d'après les inventaires : rien n'a été envoyé.
incidents-time-zone-unknown = « { $value } » (champ « { $field } ») n’est pas un fuseau horaire connu (par exemple Europe/Paris, America/Cayenne).
incidents-type-origin-mismatch = Le type « { $type } » (champ « { $field } ») ne correspond pas à l’origine « { $origin } ».
incidents-value-unknown = « { $value } » n’est pas une valeur admise pour le champ « { $field } ».

## Notifications

notify-kind-unknown = « { $value } » n’est pas un type de notification : cochez parmi ceux que la page propose.
notify-webhook-events-invalid = « { $value } » n’est pas une liste d’événements : indiquez des préfixes séparés par des virgules, par exemple watch.alert,scan.finding.
notify-webhook-name-invalid = Le nom du webhook est obligatoire et ne doit pas dépasser { $max } caractères.
notify-webhook-url-credentials = L’adresse « { $url } » contient des identifiants : ils n’ont pas leur place dans l’adresse, c’est la signature qui authentifie Vigie.
notify-webhook-url-malformed = L’adresse du webhook ne doit contenir aucun espace ni dépasser { $max } caractères.
notify-webhook-url-no-host = L’adresse « { $url } » ne nomme aucun serveur.
notify-webhook-url-refused = L’adresse « { $url } » mène à { $host }, qui n’est pas une adresse publique d’internet ({ $class }) : Vigie n’appelle que des webhooks sur internet, jamais son propre hôte ni un réseau privé.
notify-webhook-url-scheme = L’adresse « { $url } » doit commencer par https:// (ou http://).
notify-webhook-url-unresolved = Le nom { $host } de l’adresse « { $url } » ne se résout pas : vérifiez l’adresse (Vigie n’appelle que des webhooks dont le nom mène à des adresses publiques d’internet).

## Répertoire des structures

registry-asset-attestation-required = Indiquez qui atteste que la structure détient cet actif.
registry-asset-empty = L’actif est vide.
registry-asset-host-bits-set = « { $value } » n’est pas le début d’une plage : vouliez-vous dire { $network } ?
registry-asset-invalid-ip = « { $value } » n’est ni une adresse IP ni une plage CIDR.
registry-asset-invalid-label = Le nom de domaine « { $value } » contient un libellé incorrect : « { $label } ».
registry-asset-invalid-prefix = La longueur de préfixe « { $prefix } » de « { $value } » est incorrecte.
registry-asset-non-ascii = Le nom de domaine « { $value } » contient des caractères non ASCII : écrivez les noms internationalisés sous leur forme xn--.
registry-asset-range-too-broad = La plage « { $value } » est trop large : un préfixe /{ $prefix } est plus court que le minimum, /{ $minimum }.
registry-asset-single-label = Le nom de domaine « { $value } » doit compter au moins deux libellés.
registry-asset-too-long = Le nom de domaine « { $value } » dépasse { $max } caractères.
registry-asset-trailing-dot = Le nom de domaine « { $value } » ne doit pas se terminer par un point.
registry-asset-wildcard = Le nom de domaine « { $value } » ne doit pas contenir de joker (*).
registry-contact-email-invalid = « { $value } » n’est pas une adresse électronique valide.
registry-contact-name-invalid = Le nom du contact est obligatoire et ne doit pas dépasser { $max } caractères.
registry-contact-phone-invalid = « { $value } » n’est pas un numéro de téléphone français.
registry-ght-code-name-required = Le code et le nom du GHT sont obligatoires.
registry-ght-region-unknown = Le GHT { $code } indique un code de région inconnu : « { $region } ».
registry-ght-structure-other-region = La structure { $finess } est dans la région { $region }, pas dans celle du GHT ({ $ght_region }).
registry-ght-structure-unknown = La structure { $finess } n’est pas dans le répertoire.
registry-import-department-unknown = Code de département inconnu : « { $value } ».
registry-import-department-without-region = Le département { $department } n’est rattaché à aucune région.
registry-import-empty = Le fichier est vide : rien n’a été importé.
registry-import-empty-line = Ligne vide.
registry-import-field-count =
    La ligne compte { $found ->
        [one] un champ
       *[other] { $found } champs
    } au lieu de { $expected }.
registry-import-finess-character = Champ { $field } ({ $name }) : le caractère « { $found } » n’est pas admis en position { $position }.
registry-import-finess-department = Champ { $field } ({ $name }) : le préfixe de département « { $prefix } » est inconnu.
registry-import-finess-key = Champ { $field } ({ $name }) : clé de contrôle incorrecte ({ $expected } attendue, { $found } trouvée).
registry-import-finess-length =
    Champ { $field } ({ $name }) : un numéro FINESS compte 9 caractères, { $found ->
        [one] celui-ci n’en compte qu’un.
       *[other] celui-ci en compte { $found }.
    }
registry-import-flag = Champ { $field } ({ $name }) : 1 ou 0 attendu, « { $value } » trouvé.
registry-import-metadata-date = La date de la ligne de métadonnées, « { $value } », n’est pas au format AAAA-MM-JJ : rien n’a été importé.
registry-import-missing-column = Il manque la colonne « { $column } » dans l’en-tête (attendu : { $expected }) : rien n’a été importé.
registry-import-no-separator = L’en-tête ne contient ni « ; » ni « , » (attendu : { $expected }) : rien n’a été importé.
registry-import-no-source = La ligne de métadonnées n’indique pas sa source : rien n’a été importé.
registry-import-not-finess = La première ligne n’est pas la ligne de métadonnées d’un extrait FINESS (elle commence par « { $found } ») : rien n’a été importé.
registry-import-required = Champ { $field } ({ $name }) : ne doit pas être vide.
registry-import-unknown-region = Champ { $field } ({ $name }) : code de région inconnu, « { $value } ».
registry-import-unreadable = La ligne { $line } du fichier est illisible ({ $detail }) : l’import s’est arrêté là.

## Surveillance de l’exposition

surveillance-diff-other-structure = Les contrôles { $from } et { $to } portent sur deux structures différentes : une comparaison porte sur deux contrôles d’une même structure.
surveillance-finding-already-fixed = Le constat n° { $finding } est corrigé (vérifié par le contrôle n° { $scan }) : il n’y a rien à prendre en compte.
surveillance-interval-out-of-range = Un intervalle de { $hours } heures n’est pas admis : choisissez entre { $min } heure et 366 jours ({ $max } heures).
surveillance-region-unknown = « { $value } » n’est pas un code de région (par exemple 84, 11 ou 03).
surveillance-scan-finished = Le contrôle n° { $scan } est déjà terminé ({ $status }) : ses résultats sont conservés tels quels.
surveillance-triage-note-invalid = Indiquez ce qui est fait au sujet de ce constat, en { $max } caractères au plus.

## Veille des vulnérabilités

watch-alert-reason-required = Indiquez pourquoi la structure n’est pas concernée.
watch-alert-reason-too-long = Le motif ne doit pas dépasser { $max } caractères.
watch-alert-status-unknown = Le statut « { $value } » n’existe pas ; les statuts possibles sont : { $allowed }.
watch-inventory-exposed-invalid = « { $value } » ne dit pas si le logiciel est exposé : indiquez oui ou non (ou 1 ou 0).
watch-inventory-header-columns = L’en-tête doit nommer les colonnes product et version (il nomme : { $found }).
watch-inventory-header-unreadable = L’en-tête du fichier est illisible ({ $detail }).
watch-inventory-line-unreadable = Ligne illisible ({ $detail }).
watch-inventory-location-invalid = L’emplacement ne doit pas dépasser { $max } caractères ni contenir de caractères de contrôle.
watch-inventory-origin-unknown = L’origine « { $value } » est inconnue ; les origines possibles sont : { $allowed }.
watch-inventory-version-empty = La version est vide : indiquez la version en service, par exemple 7.0.12.
watch-inventory-version-invalid = La version ne doit pas dépasser { $max } caractères ni contenir de caractères de contrôle.
watch-inventory-file-unreadable = Le fichier est illisible ({ $detail }).
watch-inventory-not-utf8 = Le fichier n’est pas en UTF-8 (octet invalide à la position { $offset } de la ligne { $line }) : enregistrez-le en UTF-8 puis importez-le de nouveau.
watch-upload-unrecognised = « { $name } » n’est pas un document d’avis reconnu : envoyez un enregistrement CVE JSON 5, un flux NVD 2.0, le catalogue KEV de la CISA (JSON), un fichier EPSS (CSV), un avis CERT-FR (JSON) ou un fichier endoflife.date.
watch-inventory-product-bad-cpe = « { $value } » n’est pas un CPE valide.
watch-inventory-product-bad-purl = « { $value } » n’est pas un purl valide.
watch-inventory-product-empty = Aucun produit n’est indiqué.
watch-inventory-product-invalid = Le nom du produit ne doit pas dépasser { $max } caractères ni contenir de caractères de contrôle.
watch-inventory-product-shared-name = Plusieurs produits du catalogue portent ce nom ({ $candidates }) : conservé comme produit ouvert « { $key } » ; indiquez l’identifiant du catalogue pour préciser.
watch-inventory-product-unresolved = Le produit n’a pas pu être reconnu ({ $detail }).
watch-inventory-product-wildcard-cpe = Le CPE « { $value } » ne désigne pas un seul produit (l’éditeur ou le produit est un joker).
watch-sbom-component-no-name = Ce composant n’a pas de nom.
watch-sbom-not-cyclonedx = Ce SBOM n’est pas au format CycloneDX (seul le CycloneDX en JSON est lu).
watch-sbom-not-json = Ce SBOM n’est pas du JSON valide ({ $detail }).
watch-scan-distribution-package = { $product } { $version } est un paquet de distribution ({ $distribution }) : ses correctifs rétroportés sont inconnus, il n’est pas ajouté à l’inventaire.
watch-week-invalid = « { $value } » n’est pas une semaine : écrivez-la AAAA-Wss, par exemple 2026-W47.

# Analyst pages (issue 17): bulk triage of an advisory's alerts.
watch-alerts-none-selected = Cochez au moins une alerte.
watch-alerts-too-many = Pas plus de { $max } alertes à la fois.

# Files people give (incident attachments, evidence of a plan's action) refused.
files-empty = Le fichier est vide.
files-too-large = Le fichier dépasse la taille autorisée ({ $max_mib } Mio).
files-name = Le nom « { $name } » n'est pas un simple nom de fichier (pas de dossier, de « .. » ni de caractère de contrôle).
files-type = Ce type de fichier n'est pas accepté : seuls les PDF, images PNG, JPEG, GIF et fichiers texte le sont (le type est lu dans le contenu, pas dans le nom).
files-extension = Le nom se termine par .{ $extension } mais le contenu est un fichier { $detected } : renommez-le ou envoyez le bon fichier.
