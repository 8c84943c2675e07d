class ToolError(Exception):
    pass
