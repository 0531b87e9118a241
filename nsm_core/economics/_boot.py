"""Bootstrap over customers, made cheap by resampling buckets of customers.

Customers are hashed into G buckets and each statistic is summed per bucket; a replicate
draws G buckets with replacement. Customers are independent, so a bucket sum's variance is
the sum of its customers' variances and the bucket bootstrap estimates the same sampling
variance as resampling customers one by one, at a cost of B x G instead of B x n.
"""

from typing import Final

import numpy as np
import polars as pl

N_BUCKETS: Final = 1000


def bucket(customer: str, n_buckets: int = N_BUCKETS) -> pl.Expr:
    """Return a stable bucket number in [0, n_buckets) for each customer.

    Example:
        >>> df = pl.DataFrame({"c": ["a", "b", "a"]})
        >>> v = df.select(bucket("c", 7))["bucket"].to_list()
        >>> v[0] == v[2] and all(0 <= b < 7 for b in v)
        True
    """
    return (pl.col(customer).hash(seed=42) % n_buckets).cast(pl.Int64).alias("bucket")


def dense(table: pl.DataFrame, columns: list[str], n_buckets: int = N_BUCKETS) -> np.ndarray:
    """Return a (n_buckets x len(columns)) array of `table`'s columns indexed by its bucket.

    Example:
        >>> t = pl.DataFrame({"bucket": [2, 0], "x": [5.0, 1.0]})
        >>> dense(t, ["x"], 3)[:, 0].tolist()
        [1.0, 0.0, 5.0]
    """
    out = np.zeros((n_buckets, len(columns)))
    out[table["bucket"].to_numpy()] = table.select(columns).to_numpy()
    return out


def replicate_totals(per_bucket: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Return n_boot resampled column totals (n_boot x ...) of a per-bucket array.

    Only non-empty buckets are resampled, so few customers still give a customer bootstrap.

    Example:
        >>> per = np.array([[1.0], [3.0]])
        >>> t = replicate_totals(per, 500, seed=1)
        >>> t.shape, bool(((t >= 2) & (t <= 6)).all())
        ((500, 1), True)
    """
    flat = per_bucket.reshape(per_bucket.shape[0], -1)
    used = flat[np.abs(flat).sum(axis=1) > 0]
    if used.shape[0] == 0:
        return np.zeros((n_boot, *per_bucket.shape[1:]))
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(used.shape[0], np.full(used.shape[0], 1 / used.shape[0]), n_boot)
    return (weights @ used).reshape(n_boot, *per_bucket.shape[1:])


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float | None, float | None]:
    """Return the percentile interval of bootstrap replicates, ignoring non-finite ones.

    Example:
        >>> [round(v, 1) for v in interval(np.arange(101.0))]
        [2.5, 97.5]
    """
    finite = values[np.isfinite(values)]
    if finite.size < 10:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)
