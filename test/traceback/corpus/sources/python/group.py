def check(item):
    if item < 0:
        raise ValueError(f"negative item {item} from alice")
    raise TypeError("wrong type for token=abc")


def validate(items):
    errors = []
    for item in items:
        try:
            check(item)
        except Exception as exc:
            errors.append(exc)
    raise ExceptionGroup("validation failed for /home/alice/data.csv", errors)


validate([-1, 2])
