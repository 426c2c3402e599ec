"""Reading what citizens write: names, phones, places, dates, ratings and complaint categories.

Pure functions over text, shared by the dialogue (`actions`) and the agent console (`bot`), so
both read a message the same way. Depends on `common` and the departments' records only.
"""
