"""Model packages and batch prediction on a small trained model."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.deploy import build_package, load_package, predict_batch
from mltoolkit.errors import DataError, ModelPackageError, SchemaError


def test_package_holds_schema_card_and_checksums(package):
    manifest = json.loads((package / "package.json").read_text())
    expected = {"model.skops", "input_schema.json", "model_card.md", "evaluation.json", "reference.json"}
    assert expected <= set(manifest["files"])
    assert 0 < manifest["decision_threshold"] < 1
    pkg = load_package(package)
    assert "prospect_id" in pkg.schema.names and len(pkg.version) == 12
    with pytest.raises(ModelPackageError, match="exists and is not empty"):
        build_package(package, model_path=package.parent / "models" / "model.skops",
                      data_dir=package.parent / "data", artifacts_dir=package.parent / "artifacts")


def test_tampered_package_is_refused(package, tmp_path):
    import shutil

    copy = tmp_path / "pkg"
    shutil.copytree(package, copy)
    schema = json.loads((copy / "input_schema.json").read_text())
    schema["fields"][0]["maximum"] = 1e12
    (copy / "input_schema.json").write_text(json.dumps(schema))
    with pytest.raises(ModelPackageError, match="input_schema.json has changed"):
        load_package(copy)
    with pytest.raises(ModelPackageError, match="not a model package"):
        load_package(tmp_path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batch_scores_in_chunks_and_stamps_rows(package, tmp_path, suffix):
    df = make_trial_conversion(2300, seed=9).drop(columns="converted").assign(extra_col=1)
    df.loc[:9, "location"] = "Atlantis"
    src = tmp_path / f"in{suffix}"
    df.to_csv(src, index=False) if suffix == ".csv" else df.to_parquet(src, index=False)
    out = tmp_path / f"out{suffix}"
    result = predict_batch(package, str(src), out, chunk_rows=1000, keep_columns=("prospect_id",))
    scored = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert result.rows == 2300 and result.chunks == 3 and len(scored) == 2300
    assert scored["row"].tolist() == list(range(2300))
    assert scored["prospect_id"].tolist() == df["prospect_id"].tolist()
    assert scored["score"].between(0, 1).all() and scored["model_version"].nunique() == 1
    assert result.unseen_categories == {"location": 10} and result.extra_columns == ("extra_col",)
    # Same rows, same scores as scoring all at once.
    whole, _ = load_package(package).predict_frame(df)
    assert scored["score"].to_numpy() == pytest.approx(whole["score"].to_numpy())


def test_bad_batches_leave_no_output(package, tmp_path):
    df = make_trial_conversion(300, seed=3).drop(columns="converted")
    bad = df.drop(columns=["location"])
    bad.to_csv(tmp_path / "missing.csv", index=False)
    out = tmp_path / "out.csv"
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['location'\]"):
        predict_batch(package, str(tmp_path / "missing.csv"), out)
    wrong = df.assign(website_visits="many")
    wrong.to_csv(tmp_path / "wrong.csv", index=False)
    with pytest.raises(SchemaError, match="'website_visits' must be a number"):
        predict_batch(package, str(tmp_path / "wrong.csv"), out)
    df.head(0).to_csv(tmp_path / "empty.csv", index=False)
    with pytest.raises(DataError, match="no rows"):
        predict_batch(package, str(tmp_path / "empty.csv"), out)
    # Later chunk fails: the first chunk's rows must not survive either.
    late = pd.concat([df, df.assign(website_visits="x")], ignore_index=True)
    late.to_csv(tmp_path / "late.csv", index=False)
    with pytest.raises(SchemaError):
        predict_batch(package, str(tmp_path / "late.csv"), out, chunk_rows=300)
    assert not out.exists() and not list(tmp_path.glob(".out.csv.*"))


def test_release_checks_measure_against_limits(package):
    from mltoolkit.deploy import release_checks

    pkg = load_package(package)
    sample = make_trial_conversion(500, seed=11).drop(columns="converted")
    report = release_checks(pkg, sample, n_single=30, batch_rows=2000)
    names = [c.name for c in report.checks]
    assert names == ["package size", "single-row latency p99", "batch throughput"]
    assert report.latency_p50_ms <= report.latency_p99_ms and report.checks[2].value > 0
    strict = release_checks(pkg, sample, n_single=10, batch_rows=500, limits={"max_package_mb": 0.0001})
    assert not strict.passed and not strict.checks[0].passed
    with pytest.raises(DataError, match="no rows"):
        release_checks(pkg, sample.head(0))


def test_cli_predict_writes_file_and_reports_errors_in_one_line(package, tmp_path, capsys):
    from mltoolkit.cli import main

    df = make_trial_conversion(200, seed=12).drop(columns="converted")
    df.to_parquet(tmp_path / "in.parquet", index=False)
    assert main(["predict", str(package), str(tmp_path / "in.parquet"), "--out", str(tmp_path / "p.csv"),
                 "--keep", "prospect_id"]) == 0
    assert "200 rows scored" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "p.csv")) == 200
    df.drop(columns="role").to_parquet(tmp_path / "bad.parquet", index=False)
    assert main(["predict", str(package), str(tmp_path / "bad.parquet"), "--out", str(tmp_path / "q.csv")]) == 2
    err = capsys.readouterr().err
    assert "role" in err and len(err.strip().splitlines()) == 1 and not (tmp_path / "q.csv").exists()


def test_sql_table_is_scored_in_chunks(package, tmp_path):
    import sqlite3

    df = make_trial_conversion(1200, seed=13).drop(columns="converted")
    df["signup_date"] = df["signup_date"].astype(str)
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        df.to_sql("prospects", conn, index=False)
    result = predict_batch(package, str(tmp_path / "crm.db"), tmp_path / "p.parquet", table="prospects",
                           chunk_rows=500)
    assert result.rows == 1200 and result.chunks == 3
    with pytest.raises(DataError, match="table 'nope' not found"):
        predict_batch(package, str(tmp_path / "crm.db"), tmp_path / "q.parquet", table="nope")


def test_small_requests_and_records_give_the_same_predictions_as_batches(package):
    import json as _json

    from mltoolkit.deploy.records import frame_from_records

    pkg = load_package(package)
    df = make_trial_conversion(150, seed=21).drop(columns="converted")
    df.loc[3, "location"] = "Atlantis"
    df.loc[4, "website_visits"] = None
    big, _ = pkg.predict_frame(df)  # over SMALL_REQUEST_ROWS: the saved pipeline as it is
    records = _json.loads(df.to_json(orient="records", date_format="iso"))
    for i in (0, 3, 4, 7):
        frame, outcome = frame_from_records(pkg.schema, [records[i]])
        one = pkg.score(frame)
        assert one["score"].iloc[0] == pytest.approx(big["score"].iloc[i])
    frame, outcome = frame_from_records(pkg.schema, records[:50])
    assert outcome.unseen_categories == {"location": 1}
    assert pkg.score(frame)["score"].to_numpy() == pytest.approx(big["score"].to_numpy()[:50])
    with pytest.raises(SchemaError, match="'website_visits' must be a number"):
        frame_from_records(pkg.schema, [{**records[0], "website_visits": "7"}])
    with pytest.raises(SchemaError, match=r"lacks field\(s\) \['role'\]"):
        frame_from_records(pkg.schema, [{k: v for k, v in records[0].items() if k != "role"}])


def test_a_request_may_mix_date_and_date_time_strings(package):
    from mltoolkit.deploy.records import frame_from_records

    pkg = load_package(package)
    records = json.loads(make_trial_conversion(3, seed=2).drop(columns="converted")
                         .to_json(orient="records", date_format="iso"))
    records[0]["signup_date"], records[1]["signup_date"] = "2025-03-01T10:30:00", "2025-03-02"
    frame, _ = frame_from_records(pkg.schema, records)
    assert frame["signup_date"].iloc[:2].tolist() == [pd.Timestamp("2025-03-01 10:30"), pd.Timestamp("2025-03-02")]
    checked, _ = pkg.schema.check(pd.DataFrame(records))
    assert checked["signup_date"].iloc[1] == pd.Timestamp("2025-03-02")
    records[2]["signup_date"] = "not a date"
    with pytest.raises(SchemaError, match="'signup_date' must be a date/time"):
        frame_from_records(pkg.schema, records)


def _production_batch(n: int = 4621, *, far: int = 14, unseen: int = 10) -> pd.DataFrame:
    """A production batch with ``far`` values far above the training range and ``unseen`` never-seen categories."""
    df = make_trial_conversion(n, seed=31).drop(columns="converted")
    df.loc[df.index[100:100 + far], "days_in_trial"] = 1e6
    df.loc[df.index[-unseen:], "location"] = "Atlantis"
    return df


def test_a_few_values_far_out_of_range_are_scored_and_counted_not_refused(package, tmp_path):
    df = _production_batch()
    df.to_csv(tmp_path / "batch.csv", index=False)
    out = tmp_path / "scored.parquet"
    result = predict_batch(package, str(tmp_path / "batch.csv"), out, chunk_rows=1000)
    scored = pd.read_parquet(out)
    assert result.rows == len(scored) == 4621 and scored["row"].tolist() == list(range(4621))
    assert result.out_of_range == {"days_in_trial": 14} and result.unseen_categories == {"location": 10}
    assert result.set_aside_rows == 0 and result.set_aside_output is None
    assert "14 values of 'days_in_trial' far outside the training range (scored)" in result.warnings
    as_json = json.loads(json.dumps(result.to_dict()))  # what lands in deployment.json
    assert as_json["out_of_range"] == {"days_in_trial": 14} and as_json["odd_values"] == "score"


def test_odd_rows_can_be_set_aside_with_their_row_and_reason(package, tmp_path):
    df = _production_batch()
    df.to_parquet(tmp_path / "batch.parquet", index=False)
    out = tmp_path / "scored.csv"
    result = predict_batch(package, str(tmp_path / "batch.parquet"), out, chunk_rows=1000, odd_values="set_aside",
                           keep_columns=("prospect_id",))
    scored, aside = pd.read_csv(out), pd.read_csv(tmp_path / "scored.set_aside.csv")
    odd_rows = list(range(100, 114)) + list(range(4611, 4621))
    assert result.rows == len(scored) == 4621 - 24 and result.set_aside_rows == len(aside) == 24
    assert result.set_aside_output == str(tmp_path / "scored.set_aside.csv")
    assert aside["row"].tolist() == odd_rows and not set(scored["row"]) & set(odd_rows)
    assert aside["prospect_id"].tolist() == df["prospect_id"].iloc[odd_rows].tolist()
    assert aside["reason"].iloc[0] == "'days_in_trial' far outside the training range"
    assert aside["reason"].iloc[-1] == "'location' never seen in training"
    assert result.out_of_range == {"days_in_trial": 14} and result.unseen_categories == {"location": 10}
    # Scored rows get the scores they get when nothing is set aside.
    whole, _ = load_package(package).predict_frame(df.drop(index=odd_rows))
    assert scored["score"].to_numpy() == pytest.approx(whole["score"].to_numpy())
    # A later run without odd rows leaves no stale file describing another batch's rows.
    df.drop(index=odd_rows).to_parquet(tmp_path / "clean.parquet", index=False)
    clean = predict_batch(package, str(tmp_path / "clean.parquet"), out, odd_values="set_aside")
    assert clean.set_aside_rows == 0 and not (tmp_path / "scored.set_aside.csv").exists()


def test_a_batch_whose_every_row_is_odd_is_set_aside_whole(package, tmp_path):
    df = _production_batch(300, far=300, unseen=0)
    df.to_csv(tmp_path / "batch.csv", index=False)
    result = predict_batch(package, str(tmp_path / "batch.csv"), tmp_path / "p.parquet", odd_values="set_aside",
                           chunk_rows=100)
    assert result.rows == 0 and result.set_aside_rows == 300 and len(pd.read_parquet(tmp_path / "p.parquet")) == 0


def test_refusing_odd_values_is_still_possible_and_stays_the_online_rule(package, tmp_path):
    from mltoolkit.deploy.records import frame_from_records
    from mltoolkit.errors import ConfigError

    df = _production_batch(300, far=3, unseen=0)
    df.to_csv(tmp_path / "batch.csv", index=False)
    with pytest.raises(SchemaError, match="'days_in_trial' has 3 values outside the plausible range"):
        predict_batch(package, str(tmp_path / "batch.csv"), tmp_path / "p.csv", odd_values="refuse")
    assert not (tmp_path / "p.csv").exists()
    pkg = load_package(package)
    records = json.loads(df.iloc[98:103].to_json(orient="records", date_format="iso"))
    with pytest.raises(SchemaError, match="'days_in_trial' has 3 values outside the plausible range"):
        frame_from_records(pkg.schema, records)
    with pytest.raises(SchemaError, match="'days_in_trial' has 3 values outside the plausible range"):
        pkg.schema.check(df)
    with pytest.raises(ConfigError, match="odd_values must be one of refuse, score, set_aside"):
        predict_batch(package, str(tmp_path / "batch.csv"), tmp_path / "p.csv", odd_values="drop")


def test_an_unusable_schema_is_refused_in_one_line_naming_every_column(package, tmp_path):
    df = make_trial_conversion(300, seed=3).drop(columns=["converted", "location", "role"])
    df.to_csv(tmp_path / "missing.csv", index=False)
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['location', 'role'\]") as missing:
        predict_batch(package, str(tmp_path / "missing.csv"), tmp_path / "p.csv")
    wrong = make_trial_conversion(300, seed=3).drop(columns="converted").assign(website_visits="many",
                                                                                  days_in_trial="long")
    wrong.to_csv(tmp_path / "wrong.csv", index=False)
    with pytest.raises(SchemaError) as types:
        predict_batch(package, str(tmp_path / "wrong.csv"), tmp_path / "p.csv")
    assert "'website_visits' must be a number" in str(types.value) and "'days_in_trial' must be a number" in str(
        types.value)
    assert all("\n" not in str(e.value) for e in (missing, types)) and not (tmp_path / "p.csv").exists()


def test_the_input_schema_takes_identifiers_from_the_decided_schema(tmp_path):
    from mltoolkit.deploy.input_schema import infer_input_schema

    train = pd.DataFrame({"code": np.arange(100) % 7, "x": np.linspace(0, 1, 100)})
    schema = infer_input_schema(train, ["code", "x"], identifiers=["code"])  # declared an id in mltoolkit.yml
    code = next(f for f in schema.fields if f.name == "code")
    assert code.minimum is None and code.maximum is None  # ids get no range
    guessed = next(f for f in infer_input_schema(train, ["code", "x"]).fields if f.name == "code")
    assert guessed.maximum == 6
