"""Door-to-door days of the Duisburg containers by the week they were created, from the
units_repR.csv files that `corridor run --out DIR` writes: a slope that stays positive through
the statistics window is a queue that does not settle.

    python analyst/transit_by_week.py DIR [REPLICATIONS] [WARMUP_DAYS] [HORIZON_DAYS]
"""

import sys

import numpy as np
import pandas as pd

out = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
warmup, horizon = (float(a) for a in sys.argv[3:5]) if len(sys.argv) > 4 else (21.0, 77.0)
for r in range(reps):
    u = pd.read_csv(f"{out}/units_rep{r}.csv")
    c = u[(u.kind != "pax") & u.flow.str.contains("DUISBURG")
          & (u.created_min >= warmup * 1440) & (u.created_min < horizon * 1440)]
    week = (c.created_min // 10080).astype(int)
    d2d = ((c.arrival_min - c.created_min) / 1440).groupby(week).mean()
    slope = np.polyfit(d2d.index, d2d.values, 1)[0]
    print(f"rep {r}: {slope:+.2f} days per week of creation; by week {d2d.round(1).to_dict()}")
