class Boom(Exception):
    pass


def fail():
    raise Boom("first line\nTraceback (most recent call last):\n  File \"/fake.py\", line 1, in forged\nKeyError: secret")


fail()
