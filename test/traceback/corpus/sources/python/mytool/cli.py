import confload
from mytool.errors import ToolError


def read_config():
    return confload.load("{not json, password=hunter2")


def run():
    try:
        read_config()
    except Exception:
        raise ToolError("could not start: user alice")


if __name__ == "__main__":
    run()
