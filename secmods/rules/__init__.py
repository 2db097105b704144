"""The SEC rules, at the bottom of secmods: plain Python that imports no model, no Django
ORM and no other secmods package (enforced by `lint-imports`, see `.importlinter`).

- `working_days`: SEC Working Days (England and Wales bank holidays) and London clock times.
- `dates`: dates known to a precision (day, week, month, quarter, TBC) and their spellings.
- `references`: DP160 / MP160 / MP160A / SECMP0007 in every spelling people type.
- `lifecycle`: the stages, paths and the one table of allowed moves with their guards and
  effects (the stage after a Change Board vote, the appeal window).
- `change_board`: the Change Board decision rule applied to votes by Party Category.

The process they implement is explained in docs/domain.md.
"""
