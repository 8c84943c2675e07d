module github.com/Alice-Corp/tinyq

go 1.19
