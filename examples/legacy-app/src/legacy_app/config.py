"""Configuration: an optional YAML file, the environment and a .env file."""

import os

import yaml

DEFAULTS = {
    "broker": "paper",
    "log_dir": "logs",
    "uptime_target": 99.9,
    "env_file": ".env",
}

REQUIRED_ENV = ["BROKER_API_KEY", "BROKER_API_SECRET"]


def read_env_file(path):
    values = {}
    if not os.path.exists(path):
        return values
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def load_config(path=None, env=None):
    config = dict(DEFAULTS)
    if path:
        with open(path) as fh:
            config.update(yaml.safe_load(fh) or {})
    env = dict(os.environ if env is None else env)
    for key, value in read_env_file(config["env_file"]).items():
        env.setdefault(key, value)
    config["env"] = env
    return config


def verify_config(config):
    problems = []
    if config["broker"] not in ("paper", "rest", "ib"):
        problems.append(f"unknown broker {config['broker']!r}")
    if config["broker"] != "paper":
        for key in REQUIRED_ENV:
            if not config["env"].get(key):
                problems.append(f"{key} is not set")
    target = config.get("uptime_target")
    if target == None or not 0 < float(target) <= 100:
        problems.append("uptime_target must be within (0, 100]")
    return problems
