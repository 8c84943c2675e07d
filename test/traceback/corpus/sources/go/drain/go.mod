module example.com/drain

go 1.19

require github.com/Alice-Corp/tinyq v1.2.3
