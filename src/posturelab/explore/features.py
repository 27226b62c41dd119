"""Feature scoring with extremely randomised trees.

An ensemble of extremely randomised trees (Geurts et al. 2006) is fitted to predict a per-member
target (a 0/1 flag with a classifier, a real number with a regressor) from the members' sampled
parameters. A parameter's score is its mean decrease in impurity, averaged over the trees and
normalised so that the scores sum to one (Breiman 2001). A high score says the target depends on
that parameter, alone or together with others; it says nothing about the direction. The same
procedure is EMA Workbench's default feature scoring.

References
----------
Geurts, P., Ernst, D. and Wehenkel, L. (2006). Extremely randomized trees. *Machine Learning* 63,
3-42. doi:10.1007/s10994-006-6226-1.

Breiman, L. (2001). Random forests. *Machine Learning* 45, 5-32. doi:10.1023/A:1010933404324.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

N_TREES = 100


def feature_scores(
    x: np.ndarray, target: np.ndarray, names: list[str], *, seed: int, classify: bool
) -> list[dict[str, float | str]]:
    """Extra-trees importance of each parameter for ``target``, highest first.

    Parameters
    ----------
    x
        Parameters, shape ``(n, K)``.
    target
        Shape ``(n,)``; rows with a missing target are left out.
    names
        Parameter names in column order.
    seed
        Seeds the trees (``random_state``); no global random state is used.
    classify
        Fit a classifier on a 0/1 target rather than a regressor.

    Returns
    -------
    list of dict
        ``{"parameter", "score"}`` sorted by decreasing score; empty when the target is constant.
    """
    keep = np.isfinite(target)
    xs, ts = x[keep], target[keep]
    if xs.shape[0] < 4 or xs.shape[1] == 0 or np.ptp(ts) == 0:
        return []
    model: ExtraTreesClassifier | ExtraTreesRegressor
    if classify:
        model = ExtraTreesClassifier(
            n_estimators=N_TREES, random_state=seed % 2**32, n_jobs=1, min_samples_leaf=2
        )
        model.fit(xs, ts.astype(np.int64))
    else:
        model = ExtraTreesRegressor(
            n_estimators=N_TREES,
            random_state=seed % 2**32,
            n_jobs=1,
            max_features=0.5,
            min_samples_leaf=2,
        )
        model.fit(xs, ts)
    scores = np.asarray(model.feature_importances_, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    return [{"parameter": names[j], "score": float(scores[j])} for j in order]
