"""Historical datasets shipped for validation, and the readers of the tool's input files.

Besides scenarios, the tool reads combat records, budgets, alignment problems and campaign
parameters; their readers live here, built on :mod:`posturelab.data.located_csv` or on the scenario
YAML policy of :mod:`posturelab.scenario.yamlfile`.
"""
