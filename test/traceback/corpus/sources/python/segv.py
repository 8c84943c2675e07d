import ctypes


def peek(address):
    return ctypes.string_at(address)


def main():
    peek(0)


main()
