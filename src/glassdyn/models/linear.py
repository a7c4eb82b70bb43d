"""Linear models: CAGE's ridge regression and single-descriptor baselines.

Ridge (roadmap SI I.E; Alkemade et al. JCP 156, 204503): standardised descriptors, weights
w = argmin |y - X w|^2 + alpha |w|^2, alpha scanned over 1e-5 ... 1e5 and chosen by the mean
per-structure Pearson correlation on the validation structures (never the test set). The
Gram matrix X^T X (M x M) is accumulated over the training structures in float64 and
diagonalised once, so every alpha costs one M x M product and memory never holds the
(n_particles x M) design matrix twice: the roadmap's 2773 CAGE columns over 100 x 3277
particles need 60 MiB instead of 7 GiB. After the choice the model is refitted on training +
validation structures (as scikit-learn's grid search does).

Baselines (roadmap SI I.H, I.I, Fig. 3): one descriptor column is the prediction. Its sign
is chosen on the training set (dense regions are slow: density predicts R with a minus
sign), and it is mapped to the training labels' mean and standard deviation so that R^2 and
distributions are meaningful; Pearson and Spearman do not depend on that map.
"""

from __future__ import annotations

import numpy as np

from glassdyn.analysis.metrics import pearson
from glassdyn.models.base import PropensityModel, Standardizer, register_model

DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-5, 5, 11))


def _mean_pearson(samples, predictions) -> float:
    values = [pearson(s.target, p) for s, p in zip(samples, predictions)]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


@register_model
class RidgeRegression(PropensityModel):
    """Ridge regression with alpha chosen on validation structures (CAGE).

    alphas: candidate regularisation strengths (default 1e-5 ... 1e5, one per decade).
    After ``fit``: ``alpha_`` (chosen), ``validation_pearson_`` (one per alpha), ``coef_``
    (M,) on standardised descriptors, ``intercept_``.
    """

    KIND = "ridge"

    def __init__(self, alphas=DEFAULT_ALPHAS, refit: bool = True):
        self.alphas = tuple(float(a) for a in np.atleast_1d(alphas))
        if not self.alphas or min(self.alphas) < 0:
            raise ValueError("alphas must be non-negative")
        self.refit = bool(refit)
        self.standardizer = None
        self.coef_ = None
        self.intercept_ = 0.0
        self.alpha_ = None
        self.validation_pearson_ = None

    @staticmethod
    def _normal_equations(samples, standardizer):
        n = sum(s.n_particles for s in samples)
        y_mean = sum(s.target.sum() for s in samples) / n
        m = samples[0].features.shape[1]
        gram, moment = np.zeros((m, m)), np.zeros(m)
        for s in samples:
            x = standardizer.transform(s.features).astype(float)  # centred: standardised on these samples
            gram += x.T @ x
            moment += x.T @ (s.target - y_mean)
        return gram, moment, y_mean

    def _solve(self, samples, alphas):
        """Coefficients (n_alpha, M) and intercept for the given samples."""
        standardizer = Standardizer().fit(samples)
        gram, moment, y_mean = self._normal_equations(samples, standardizer)
        eigenvalues, q = np.linalg.eigh(gram)
        eigenvalues = np.clip(eigenvalues, 0.0, None)
        projected = q.T @ moment
        # alpha = 0 on a singular Gram matrix: the minimum-norm solution (pseudo-inverse).
        tol = 1e-12 * max(eigenvalues.max(), 1e-300)
        coefs = []
        for a in alphas:
            denominator = eigenvalues + a
            inverse = np.where(denominator > tol, 1.0 / np.where(denominator > tol, denominator, 1.0), 0.0)
            coefs.append(q @ (projected * inverse))
        return standardizer, np.stack(coefs), y_mean

    def _fit(self, train, validation) -> None:
        standardizer, coefs, y_mean = self._solve(train, self.alphas)
        if len(self.alphas) > 1 and validation:
            scores = []
            for c in coefs:
                scores.append(_mean_pearson(validation, [standardizer.transform(s.features) @ c + y_mean for s in validation]))
            self.validation_pearson_ = np.asarray(scores)
            best = int(np.nanargmax(self.validation_pearson_)) if np.any(np.isfinite(scores)) else 0
        elif len(self.alphas) > 1:
            raise ValueError("choosing alpha needs validation structures (give one alpha to skip the scan)")
        else:
            best = 0
        self.alpha_ = self.alphas[best]
        if self.refit and validation:
            standardizer, coefs, y_mean = self._solve(train + validation, [self.alpha_])
            best = 0
        self.standardizer, self.coef_, self.intercept_ = standardizer, coefs[best], float(y_mean)

    def predict(self, sample) -> np.ndarray:
        if self.coef_ is None:
            raise RuntimeError("ridge regression is not fitted")
        return self.standardizer.transform(sample.features).astype(float) @ self.coef_ + self.intercept_

    def get_parameters(self) -> dict:
        out = {"coef": self.coef_, "intercept": np.array(self.intercept_), "alpha": np.array(self.alpha_),
               "standardizer_mean": self.standardizer.mean, "standardizer_scale": self.standardizer.scale}
        if self.validation_pearson_ is not None:
            out["validation_pearson"] = self.validation_pearson_
        return out

    def set_parameters(self, parameters) -> None:
        self.coef_ = np.asarray(parameters["coef"], dtype=float)
        self.intercept_ = float(parameters["intercept"])
        self.alpha_ = float(parameters["alpha"])
        self.standardizer = Standardizer(parameters["standardizer_mean"], parameters["standardizer_scale"])
        self.validation_pearson_ = parameters.get("validation_pearson")

    def describe(self) -> dict:
        out = {"alpha": self.alpha_}
        if self.validation_pearson_ is not None:
            out["validation_pearson"] = dict(zip([f"{a:g}" for a in self.alphas], np.round(self.validation_pearson_, 5).tolist()))
        return out


@register_model
class SingleDescriptor(PropensityModel):
    """One descriptor column as the prediction, sign chosen on the training set.

    column: the descriptor's name in its set (e.g. ``epot_inh_L5``). The model reads the
    first column of its samples (``make_sample(..., columns=[column])``), so ``columns_`` is
    that one column: samples whose column names are known must hold exactly it.
    """

    KIND = "single-descriptor"

    def __init__(self, column: str):
        self.column = str(column)
        self.sign_ = None
        self.x_mean_ = self.x_scale_ = self.y_mean_ = self.y_scale_ = None

    def _fit(self, train, validation) -> None:
        if self.columns_ is None:
            self.columns_ = np.asarray([self.column])
        elif list(self.columns_) != [self.column]:
            raise ValueError(f"baseline of {self.column!r} fitted on samples of columns {list(self.columns_)[:3]}: "
                             f"select the one column (make_sample(..., columns=[{self.column!r}]))")
        x = np.concatenate([s.features[:, 0] for s in train]).astype(float)
        y = np.concatenate([s.target for s in train])
        r = pearson(x, y)
        self.sign_ = -1.0 if r < 0 else 1.0  # NaN (constant column): +1
        self.x_mean_, self.x_scale_ = float(x.mean()), float(x.std()) or 1.0
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std())
        self.training_pearson_ = float(r)

    def predict(self, sample) -> np.ndarray:
        if self.sign_ is None:
            raise RuntimeError("the baseline is not fitted")
        z = (sample.features[:, 0].astype(float) - self.x_mean_) / self.x_scale_
        return self.y_mean_ + self.sign_ * self.y_scale_ * z

    def get_parameters(self) -> dict:
        return {"sign": np.array(self.sign_), "x_mean": np.array(self.x_mean_), "x_scale": np.array(self.x_scale_),
                "y_mean": np.array(self.y_mean_), "y_scale": np.array(self.y_scale_)}

    def set_parameters(self, parameters) -> None:
        self.sign_ = float(parameters["sign"])
        self.x_mean_, self.x_scale_ = float(parameters["x_mean"]), float(parameters["x_scale"])
        self.y_mean_, self.y_scale_ = float(parameters["y_mean"]), float(parameters["y_scale"])

    def describe(self) -> dict:
        return {"sign": self.sign_, "training_pearson": getattr(self, "training_pearson_", None)}
