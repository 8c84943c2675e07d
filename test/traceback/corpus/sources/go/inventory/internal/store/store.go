package store

import "fmt"

type Store struct {
	items []string
	index map[string]int
}

func New(items []string) *Store {
	return &Store{items: items, index: map[string]int{}}
}

// Lookup returns the n-th item.
func (s *Store) Lookup(n int) string {
	return s.items[n]
}

type LoadError struct{ Path string }

func (e *LoadError) Error() string { return fmt.Sprintf("cannot load %s", e.Path) }

func (s *Store) Load(path string) {
	panic(&LoadError{Path: path})
}

func (s *Store) Count(keys []string) {
	done := make(chan bool)
	for w := 0; w < 4; w++ {
		go func() {
			for i := 0; i < 100000; i++ {
				s.index[keys[i%len(keys)]] = i
			}
			done <- true
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
}

type Node struct{ Next *Node; Name string }

func Depth(n *Node) int {
	return 1 + Depth(n.Next)
}
