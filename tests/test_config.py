from pathlib import Path

import pytest

from recommender.config import Config, ConfigError, load_config


def test_defaults_are_typed():
    config = load_config(env={})
    assert isinstance(config, Config)
    assert config.data.dataset == "ml-1m"
    assert config.data.min_count == 5
    assert isinstance(config.data.cache_dir, Path)
    assert config.store.mode == "persistent"


def test_file_then_env_override(tmp_path):
    path = tmp_path / "sequel.toml"
    path.write_text('[data]\ndataset = "ml-100k"\nmin_count = 3\n[store]\nport = 9000\n')
    config = load_config(path, env={"SEQUEL_STORE__PORT": "9100", "SEQUEL_DATA__CACHE_DIR": "/x"})
    assert config.data.dataset == "ml-100k"
    assert config.data.min_count == 3
    assert config.store.port == 9100  # env wins over the file
    assert config.data.cache_dir == Path("/x")
    assert config.to_dict()["data"]["cache_dir"] == "/x"


def test_config_file_from_env(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[embedding]\nbackend = "openai"\nbase_url = "http://127.0.0.1:1/v1"\n')
    config = load_config(env={"SEQUEL_CONFIG": str(path)})
    assert config.embedding.backend == "openai"
    assert config.embedding.base_url == "http://127.0.0.1:1/v1"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SEQUEL_DATA__NOPE": "1"}, "unknown setting 'nope'"),
        ({"SEQUEL_DATA__MIN_COUNT": "five"}, "cannot read 'five' as int"),
        ({"SEQUEL_NOSECTION__X": "1"}, "unknown setting 'nosection'"),
    ],
)
def test_bad_settings_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env=env)


def test_bad_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[data\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.toml", env={})


def test_llm_section_and_its_checks(tmp_path):
    config = load_config(env={"SEQUEL_LLM__BOOTSTRAP": "3", "SEQUEL_LLM__ADAPTER_PATH": "/a"})
    assert config.llm.bootstrap == 3 and config.llm.adapter_path == Path("/a")
    with pytest.raises(ConfigError, match="bootstrap must be >= 1"):
        load_config(env={"SEQUEL_LLM__BOOTSTRAP": "0"})
