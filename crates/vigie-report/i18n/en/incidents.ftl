# Incidents (issue 14), second part: reminders, attachments, the printable report, the dashboard
# panel. The first part's keys are in web.ftl and store.ftl.

## Reminders before the regulatory deadlines (e-mail)
email-incident-deadline-subject = [Vigie] { $reference }: { $what }, due { $deadline } — { $structure }
email-incident-deadline-intro = A regulatory notification owed for incident { $reference } of { $structure } is due soon:
email-incident-deadline-notification = Notification
email-incident-deadline-due = Deadline
email-incident-deadline-provisional = (provisional: it may still change)
email-incident-deadline-legal = Legal reference
email-incident-deadline-incident = Incident
email-incident-deadline-restricted = Incident marked { $tlp }: its content is visible only to the people named on the case.
email-incident-deadline-done = Once the notification is made, record it on the case.
email-incident-deadline-follow = Case
email-incident-deadline-link = Open the case
incidents-event-reminder = deadline reminder sent

## Attachments
incidents-event-attachment = attachment added
incidents-field-file = File
incidents-attachments = Attachments
incidents-attachments-none = No attachment.
incidents-attachments-hidden = { $count ->
    [one] One attachment is for the people named on the case only.
   *[other] { $count } attachments are for the people named on the case only.
}
incidents-attachment-add = Attach a file
incidents-attachment-help = PDF, PNG, JPEG, GIF or text, { $max_mib } MiB at most. The file is encrypted at rest and served only to the people who see the case.
incidents-attachment-tlp = File's TLP
incidents-attachment-tlp-same = The incident's
incidents-attachment-size = Size
incidents-attachment-by = Added by

## Printable report
incidents-report-title = Incident report
incidents-report-pdf = Report as PDF
incidents-report-tlp = sharing limited by this marking (the narrowest of the report's contents)
incidents-report-item = Item
incidents-report-value = Value
incidents-report-no_clocks = No regulatory notification is owed.
incidents-report-triaged_at = Triaged on
incidents-report-contained_at = Contained on
incidents-report-closed_at = Closed on

## Dashboard panel
incidents-panel-open = open incidents
incidents-panel-overdue = with a regulatory deadline passed
incidents-panel-untriaged = awaiting triage
incidents-panel-major = major
incidents-panel-see_queue = See the incident queue
