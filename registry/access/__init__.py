"""Who may see what and who may call what: the visibility rule, the permission table, the roles."""
