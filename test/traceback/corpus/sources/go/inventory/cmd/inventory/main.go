package main

import (
	"fmt"
	"os"

	"example.com/inventory/internal/store"
)

func show(s *store.Store, n int) {
	fmt.Println(s.Lookup(n))
}

func main() {
	s := store.New([]string{"apple", "pear", "plum"})
	switch os.Args[1] {
	case "index":
		show(s, 5)
	case "custom":
		s.Load("/home/alice/secret-inventory.db")
	case "maps":
		s.Count([]string{"a", "b", "c"})
	case "nil":
		var n *store.Node
		fmt.Println(n.Name)
	case "recovered":
		defer func() {
			r := recover()
			panic(fmt.Sprintf("cleanup failed after %v for user alice", r))
		}()
		show(s, 7)
	case "goroutine":
		done := make(chan bool)
		go func() {
			show(s, 9)
			done <- true
		}()
		<-done
	case "deadlock":
		ch := make(chan int)
		<-ch
	case "overflow":
		n := &store.Node{}
		n.Next = n
		store.Depth(n)
	}
}
