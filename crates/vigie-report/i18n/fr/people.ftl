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
