def parse(value):
    return int(value)


def main():
    parse("not a number: secret-token-123")


main()
