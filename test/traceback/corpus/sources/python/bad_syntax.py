def main():
    print("hello"
