package tinyq

type Queue struct{ items []int }

func (q *Queue) Push(v int) { q.items = append(q.items, v) }

// Pop removes the first item; it panics on an empty queue.
func (q *Queue) Pop() int {
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

func Drain(q *Queue, f func(int)) {
	for {
		f(q.Pop())
	}
}
