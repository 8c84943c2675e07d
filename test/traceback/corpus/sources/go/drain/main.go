package main

import (
	"fmt"

	"github.com/Alice-Corp/tinyq"
)

func main() {
	q := &tinyq.Queue{}
	q.Push(1)
	q.Push(2)
	tinyq.Drain(q, func(v int) { fmt.Println(v) })
}
