"""Configuration loading and verification."""

from legacy_app.config import DEFAULTS, load_config, read_env_file, verify_config


def test_defaults_without_file(tmp_path):
    config = load_config(env={}, path=None)
    assert config["broker"] == DEFAULTS["broker"]
    assert verify_config(config) == []


def test_yaml_file_and_env_file(tmp_path):
    env_file = tmp_path / "prod.env"
    env_file.write_text(
        "# comment\n\nBROKER_API_KEY = key-1\nBROKER_API_SECRET=s\nnoise\n"
    )
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"broker: rest\nenv_file: {env_file}\n")
    config = load_config(str(config_file), env={"BROKER_API_SECRET": "from-env"})
    assert config["env"]["BROKER_API_KEY"] == "key-1"
    assert config["env"]["BROKER_API_SECRET"] == "from-env"
    assert verify_config(config) == []


def test_read_env_file_missing(tmp_path):
    assert read_env_file(str(tmp_path / "none.env")) == {}


def test_verify_config_reports_every_problem():
    config = {"broker": "fix", "uptime_target": 0, "env": {}}
    assert verify_config(config) == [
        "unknown broker 'fix'",
        "BROKER_API_KEY is not set",
        "BROKER_API_SECRET is not set",
        "uptime_target must be within (0, 100]",
    ]


def test_verify_config_missing_target():
    config = {"broker": "paper", "uptime_target": None, "env": {}}
    assert verify_config(config) == ["uptime_target must be within (0, 100]"]
