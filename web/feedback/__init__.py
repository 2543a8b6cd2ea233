"""The workplace feedback template: filled by the supervisor (or the project leader) after a
visit; its participant part is shown to the officers of the participant's unit."""
