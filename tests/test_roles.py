"""Variable roles inferred from data, checked on simulated data where the truth is known by construction;
roles from model-file definitions and from naming hints; the real bdf data (with R)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlmgen.lint.roles import (LEVEL2_WITHIN_SHARE, add_derived, roles_declared, roles_from_data,
                               roles_from_model, roles_from_names)
from mlmgen.modelfile import loads_model


def simulate_lecture_data(seed: int = 1, n_schools: int = 80, missing: bool = False) -> pd.DataFrame:
    """Data with the lecture's variables, roles known by construction.

    homework and mixgrd are school characteristics (constant within schools, as HW_c and MixGrd_c in the
    lecture); verbal varies within and between schools; clusters have 3 to 40 pupils. The derived variables
    are computed exactly as the lecture defines them: hw2 = homework - 2, verb10 = verbal - 10,
    CMverb10 = mean(verbal) by schoolID - 10, WCverb = verbal - mean(verbal) by schoolID."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 41, n_schools)
    school = np.repeat(np.arange(101, 101 + n_schools), sizes)
    hw_s = rng.choice([1 + 1 / 3, 2, 2 + 2 / 3, 3 + 1 / 3], n_schools)
    mix_s = rng.integers(0, 2, n_schools).astype(float)
    vmean_s = rng.normal(11.8, 1.2, n_schools)
    idx = np.repeat(np.arange(n_schools), sizes)
    verbal = np.round(vmean_s[idx] + rng.normal(0, 2.0, idx.size), 1)
    u0 = rng.normal(0, 3, n_schools)
    lang = 40 + 2.4 * (verbal - 12) + 1.5 * (vmean_s[idx] - 12) - 1.1 * mix_s[idx] + u0[idx] + rng.normal(0, 6, idx.size)
    df = pd.DataFrame({"schoolID": school, "langpost": np.round(lang), "verbal": verbal,
                       "homework": hw_s[idx], "mixgrd": mix_s[idx]})
    if missing:
        df.loc[rng.choice(len(df), 25, replace=False), "verbal"] = np.nan
    return lecture_variables(df)


def lecture_variables(df: pd.DataFrame) -> pd.DataFrame:
    """The lecture's derived variables from the raw ones (cluster means over the non-missing rows)."""
    df = df.copy()
    cm = df.groupby("schoolID")["verbal"].transform("mean")
    df["hw2"] = df["homework"] - 2
    df["verb10"] = df["verbal"] - 10
    df["CMverb10"] = cm - 10
    df["WCverb"] = df["verbal"] - cm
    return df


# ------------------------------------------------------------------------------------------ from data

def test_lecture_roles_from_simulated_data():
    df = simulate_lecture_data()
    r = roles_from_data(df, "schoolID")
    assert r.level("homework") == "L2" and r.get("homework").note == "constant within every cluster"
    assert r.level("hw2") == "L2" and r.level("mixgrd") == "L2"
    assert r.level("verbal") == "L1-both" and r.level("verb10") == "L1-both"
    assert r.level("WCverb") == "L1-within"
    assert r.level("CMverb10") == "L2"
    # families: verb10 is verbal shifted; CMverb10 is the cluster mean of verbal minus 10; WCverb its deviation
    assert r.same_family("verb10", "verbal") and r.same_family("CMverb10", "verb10")
    assert r.same_family("WCverb", "verb10")
    assert r.cluster_means_of("verb10") == ["CMverb10"]
    assert r.get("CMverb10").cluster_mean and r.get("CMverb10").constant == pytest.approx(10.0, abs=1e-9)
    assert r.within_partners("verb10") == ["WCverb"]
    assert not r.same_family("hw2", "verb10") and not r.get("hw2").cluster_mean
    assert all(role.source == "data" for role in r.roles.values())


def test_cluster_mean_found_up_to_any_constant_and_relative_to_any_shift():
    df = simulate_lecture_data(seed=2)
    df["CMverb_c"] = df.groupby("schoolID")["verbal"].transform("mean") - 7.25
    df["verb_shift"] = df["verbal"] + 3.5
    r = roles_from_data(df[["schoolID", "verb_shift", "CMverb_c"]], "schoolID")
    assert r.get("CMverb_c").cluster_mean and r.family("CMverb_c") == "verb_shift"
    # mean(verbal) - 7.25 = mean(verb_shift) - 10.75
    assert r.get("CMverb_c").constant == pytest.approx(10.75, abs=1e-9)


def test_within_deviation_written_as_shift_minus_cluster_mean_variable():
    """WCverb = verb10 - CMverb10 - 10 (the lecture's centring constants cancel): still verb10's deviation."""
    df = simulate_lecture_data(seed=3)
    df["WC2"] = df["verb10"] - df["CMverb10"] - 10
    r = roles_from_data(df[["schoolID", "verb10", "CMverb10", "WC2"]], "schoolID")
    assert r.level("WC2") == "L1-within" and r.family("WC2") == "verb10"


def test_deviation_from_another_variable_is_not_in_the_family():
    df = simulate_lecture_data(seed=4)
    rng = np.random.default_rng(0)
    other = df["verbal"] + rng.normal(0, 1, len(df))
    df["WCother"] = other - other.groupby(df["schoolID"]).transform("mean")
    df["CMother"] = other.groupby(df["schoolID"]).transform("mean")
    r = roles_from_data(df, "schoolID")
    assert r.level("WCother") == "L1-within" and not r.same_family("WCother", "verbal")
    assert r.level("CMother") == "L2" and not r.get("CMother").cluster_mean
    assert r.cluster_means_of("verbal") == ["CMverb10"]


def test_nearly_level2_within_stated_share_and_exact_boundary():
    """A school variable that varies in one cluster (a class-level measure) is level-2 with a note naming
    the cluster, while the within-cluster share is at most LEVEL2_WITHIN_SHARE; above it, level-1."""
    df = simulate_lecture_data(seed=5)
    first = df["schoolID"] == df["schoolID"].iloc[0]
    df["hw_class"] = df["homework"]
    df.loc[first[first].index[:2], "hw_class"] += 1 / 3
    r = roles_from_data(df, "schoolID")
    role = r.get("hw_class")
    assert role.level == "L2" and role.note.startswith("nearly: varies within 1 of 80 clusters")
    assert "schoolID 101" in role.note
    # an L1 variable whose within share is just above the threshold stays level-1
    rng = np.random.default_rng(9)
    between = rng.normal(0, 1, df["schoolID"].nunique())[pd.factorize(df["schoolID"])[0]]
    noise = rng.normal(0, 1, len(df))
    noise -= pd.Series(noise).groupby(df["schoolID"].to_numpy()).transform("mean").to_numpy()
    for share, level in ((LEVEL2_WITHIN_SHARE * 0.9, "L2"), (LEVEL2_WITHIN_SHARE * 1.1, "L1-both")):
        x = between - between.mean()
        b_ss, w_ss = float(np.sum(x ** 2)), float(np.sum(noise ** 2))
        scale = np.sqrt(share / (1 - share) * b_ss / w_ss)       # within / total = share exactly
        df["x"] = x + scale * noise
        assert roles_from_data(df[["schoolID", "x"]], "schoolID").level("x") == level, share


def test_missing_values_means_over_present_rows():
    df = simulate_lecture_data(seed=6, missing=True)
    r = roles_from_data(df, "schoolID")
    assert r.level("WCverb") == "L1-within" and r.same_family("WCverb", "verbal")
    assert r.get("CMverb10").cluster_mean


def test_constant_and_binary_level1():
    df = simulate_lecture_data(seed=7)
    df["one"] = 1.0
    df["girl"] = np.random.default_rng(1).integers(0, 2, len(df)).astype(float)
    r = roles_from_data(df, "schoolID")
    assert r.level("one") == "constant" and r.level("girl") == "L1-both"


def test_string_cluster_ids_and_non_numeric_columns_ignored():
    df = simulate_lecture_data(seed=8)
    df["schoolID"] = "s" + df["schoolID"].astype(str)
    df["label"] = "x"
    r = roles_from_data(df, "schoolID")
    assert r.level("mixgrd") == "L2" and r.level("label") is None


def test_add_derived_matches_lecture_definitions():
    raw = simulate_lecture_data(seed=10)[["schoolID", "langpost", "verbal", "homework", "mixgrd"]]
    path = Path(__file__).resolve().parents[1] / "examples" / "2b_cluster_mc_random_slope.toml"
    model = loads_model(path.read_text(encoding="utf-8"))
    got = add_derived(raw, model)
    want = lecture_variables(raw)
    for v in ("hw2", "CMverb10", "WCverb"):
        np.testing.assert_allclose(got[v], want[v], rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------ model file, names

MODEL_4A = """
outcome = "langpost"
cluster = "schoolID"
fixed = ["mixgrd", "CMverb10", "verb10"]
[random]
effects = ["Intercept", "WCverb"]
[variables]
hw2 = "homework - 2"
verb10 = "verbal - 10"
CMverb10 = "mean(verbal) by schoolID - 10"
WCverb = "verbal - mean(verbal) by schoolID"
CMv = "mean(verb10) by schoolID"
"""


def test_roles_from_model_file_definitions():
    r = roles_from_model(loads_model(MODEL_4A))
    assert r.level("verbal") == "L1-both" and r.level("verb10") == "L1-both"
    assert r.level("CMverb10") == "L2" and r.get("CMverb10").cluster_mean
    assert r.get("CMverb10").constant == 10 and r.get("CMv").constant == 10     # mean(verbal - 10) = mean(verbal) - 10
    assert r.level("WCverb") == "L1-within" and r.same_family("WCverb", "verb10")
    assert r.level("hw2") is None and r.level("mixgrd") is None          # not declared: unknown, not guessed
    assert {role.source for role in r.roles.values()} == {"model file"}


def test_naming_hints_are_labelled_low_confidence():
    r = roles_from_names(["hw2", "mixgrd", "CMverb10", "verb10", "WCverb", "ses", "ses_cm", "ses_cwc"])
    assert r.level("CMverb10") == "L2" and r.get("CMverb10").low_confidence
    assert r.level("WCverb") == "L1-within" and r.level("verb10") == "L1-both"
    assert r.same_family("CMverb10", "verb10") and r.same_family("WCverb", "verb10")
    assert r.level("ses_cm") == "L2" and r.level("ses_cwc") == "L1-within" and r.same_family("ses", "ses_cm")
    assert r.level("hw2") is None and r.level("mixgrd") is None
    assert "naming hint (low confidence)" in r.describe(["CMverb10"])


def test_data_beats_model_file_beats_names():
    df = simulate_lecture_data(seed=11)
    model_roles = roles_from_model(loads_model(MODEL_4A))
    data_roles = roles_from_data(df, "schoolID")
    merged = data_roles.merged_with(model_roles).merged_with(roles_from_names(["CMverb10", "zz", "CMzz"]))
    assert merged.get("CMverb10").source == "data"
    assert merged.get("CMzz").source == "naming hint"


def test_declared_roles():
    r = roles_declared({"mixgrd": "L2", "CMx": "mean(x)", "WCx": "within(x)"})
    assert r.level("x") == "L1-both" and r.cluster_means_of("x") == ["CMx"] and r.within_partners("x") == ["WCx"]
    with pytest.raises(ValueError):
        roles_declared({"x": "level-3"})


# ---------------------------------------------------------------------------------------- real data

@pytest.mark.r
def test_bdf_roles(r):
    """mlmRev::bdf: homework and mixgrd are class-level in two (one) schools with two classes; the lecture
    treats them as school characteristics, and they count as level-2 with a note naming those schools."""
    from rtools import r_dataset_csv
    df = lecture_variables(pd.read_csv(r_dataset_csv("bdf_example")))
    r = roles_from_data(df, "schoolID")
    assert r.level("hw2") == "L2" and "varies within 2 of 131 clusters (schoolID 40, 60)" in r.get("hw2").note
    assert r.level("mixgrd") == "L2" and "schoolID 40" in r.get("mixgrd").note
    assert r.cluster_means_of("verb10") == ["CMverb10"] and r.within_partners("verb10") == ["WCverb"]
