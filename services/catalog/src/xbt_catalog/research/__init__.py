"""Teaching research (网络教研): research groups, co-authored lesson plans, comments."""
