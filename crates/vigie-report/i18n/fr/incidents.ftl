# Incidents (issue 14), second part: reminders, attachments, the printable report, the dashboard
# panel. The first part's keys are in web.ftl and store.ftl.

## Reminders before the regulatory deadlines (e-mail)
email-incident-deadline-subject = [Vigie] { $reference } : { $what }, échéance le { $deadline } — { $structure }
email-incident-deadline-intro = Une notification réglementaire due pour l'incident { $reference } de { $structure } arrive à échéance :
email-incident-deadline-notification = Notification
email-incident-deadline-due = Échéance
email-incident-deadline-provisional = (provisoire : elle peut encore changer)
email-incident-deadline-legal = Référence
email-incident-deadline-incident = Incident
email-incident-deadline-restricted = Incident marqué { $tlp } : son contenu n'est visible que des personnes nommées sur le dossier.
email-incident-deadline-done = Quand la notification est faite, enregistrez-la sur le dossier.
email-incident-deadline-follow = Dossier
email-incident-deadline-link = Ouvrir le dossier
incidents-event-reminder = rappel d'échéance envoyé

## Attachments
incidents-event-attachment = pièce jointe ajoutée
incidents-field-file = Fichier
incidents-attachments = Pièces jointes
incidents-attachments-none = Aucune pièce jointe.
incidents-attachments-hidden = { $count ->
    [one] Une pièce jointe est réservée aux personnes nommées sur le dossier.
   *[other] { $count } pièces jointes sont réservées aux personnes nommées sur le dossier.
}
incidents-attachment-add = Joindre un fichier
incidents-attachment-help = PDF, PNG, JPEG, GIF ou texte, { $max_mib } Mio au plus. Le fichier est chiffré au repos et n'est servi qu'aux personnes qui voient le dossier.
incidents-attachment-tlp = TLP du fichier
incidents-attachment-tlp-same = Celui de l'incident
incidents-attachment-size = Taille
incidents-attachment-by = Ajoutée par

## Printable report
incidents-report-title = Rapport d'incident
incidents-report-pdf = Rapport en PDF
incidents-report-tlp = diffusion limitée selon ce marquage (le plus restrictif des éléments du rapport)
incidents-report-item = Élément
incidents-report-value = Valeur
incidents-report-no_clocks = Aucune notification réglementaire n'est due.
incidents-report-triaged_at = Qualifié le
incidents-report-contained_at = Maîtrisé le
incidents-report-closed_at = Clos le

## Dashboard panel
incidents-panel-open = incidents ouverts
incidents-panel-overdue = avec une échéance réglementaire dépassée
incidents-panel-untriaged = en attente de qualification
incidents-panel-major = majeurs
incidents-panel-see_queue = Voir la file des incidents
