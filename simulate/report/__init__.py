"""The review pack: ``report.html``, ``report.xlsx`` (and ``report.pdf``) of a run.

Every run saves ``report_data.json`` (:mod:`.data`): the numbers the pack
shows, so ``simulate report RESULT_DIR`` renders the pack later without
simulating again. :mod:`.html` and :mod:`.xlsx` render it.
"""
