package gateway

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditions builds a status's condition list for one object generation,
// one condition per type, in the order first set.
type conditions struct {
	generation int64
	list       []metav1.Condition
}

// set sets the condition of type t, replacing an earlier one of that type.
func (c *conditions) set(t string, ok bool, reason, message string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	cond := metav1.Condition{Type: t, Status: status, Reason: reason, Message: message, ObservedGeneration: c.generation}
	for i := range c.list {
		if c.list[i].Type == t {
			c.list[i] = cond
			return
		}
	}
	c.list = append(c.list, cond)
}

// get returns the condition of type t, if set.
func (c *conditions) get(t string) (metav1.Condition, bool) {
	for _, cond := range c.list {
		if cond.Type == t {
			return cond, true
		}
	}
	return metav1.Condition{}, false
}

// isTrue reports whether the condition of type t is set and True.
func (c *conditions) isTrue(t string) bool {
	cond, ok := c.get(t)
	return ok && cond.Status == metav1.ConditionTrue
}
