package taskstream

import (
	"time"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// Event is one message of a watch. It is one of *Snapshot, *InstanceStatusChanged, *TaskStatusChanged,
// *TaskProgressUpdated, *TaskPropertyUpdated, *TaskOutputAppended (WithOutput), *SubInstanceCreated,
// *TaskWaitingReasonChanged and *Heartbeat (WithHeartbeats); switch on its type:
//
//	switch ev := ev.(type) {
//	case *taskstream.TaskStatusChanged:
//		fmt.Println(ev.Seq, ev.Task.GetName(), ev.PreviousStatus, "->", ev.Status)
//	case *taskstream.Snapshot:
//		fmt.Println(ev.Seq, ev.Instance.GetStatus())
//	}
type Event interface {
	// sequence is the instance's sequence number the event brings the watcher to.
	sequence() int64
}

// Snapshot is the whole instance with its tasks. A watch starts with one (unless it starts after a
// cursor) and ends with one when the instance is terminated.
type Snapshot struct {
	// Seq is the sequence number of the last change the snapshot includes.
	Seq      int64
	Instance *pb.Instance
}

// Change is what every change of an instance carries.
type Change struct {
	// Seq is the instance's sequence number of the change; pass it to WithAfterSeq to follow the
	// instance from there on.
	Seq int64
	// Time is when the server recorded the change.
	Time time.Time
}

// InstanceStatusChanged reports a new status of the instance.
type InstanceStatusChanged struct {
	Change
	PreviousStatus, Status pb.InstanceStatus
	// Successful is true once the instance terminated with every task SUCCESS.
	Successful bool
}

// TaskStatusChanged reports a new status of a task, with the task's state after it (its progress and
// properties come in their own events and are left empty here).
type TaskStatusChanged struct {
	Change
	PreviousStatus, Status pb.TaskStatus
	Task                   *pb.Task
}

// TaskProgressUpdated carries a task's whole latest progress.
type TaskProgressUpdated struct {
	Change
	TaskName string
	Progress *pb.Progress
}

// TaskPropertyUpdated carries a property a task set; Value is a string, int64, float64 or []byte.
type TaskPropertyUpdated struct {
	Change
	TaskName, Key string
	Value         any
}

// TaskOutputAppended carries bytes a task wrote to its stdout or stderr. An Offset past the end of the
// previous chunk means the bytes in between were cut; a retried task (a new Attempt) starts afresh.
type TaskOutputAppended struct {
	Change
	TaskName string
	Stream   pb.OutputStream
	Offset   int64
	Data     []byte
	Attempt  int32
}

// SubInstanceCreated reports a sub-instance started by a workflow task.
type SubInstanceCreated struct {
	Change
	// Instance is the sub-instance's resource name; Name its name in the workflow.
	Instance, Name, TaskName string
}

// TaskWaitingReasonChanged reports why a waiting task waits now, when that changed while its status did
// not: its dependencies ended, its start time or backoff passed.
type TaskWaitingReasonChanged struct {
	Change
	TaskName      string
	WaitingReason pb.WaitingReason
}

// Heartbeat says the stream is alive while nothing changes.
type Heartbeat struct {
	// Seq is the last sequence number the server sent.
	Seq  int64
	Time time.Time
}

func (s *Snapshot) sequence() int64  { return s.Seq }
func (c Change) sequence() int64     { return c.Seq }
func (h *Heartbeat) sequence() int64 { return h.Seq }

// newEvent returns the event for one change, or nil for a kind of change this client does not know.
func newEvent(e *pb.InstanceEvent) Event {
	change := Change{Seq: e.GetSeq(), Time: e.GetTime().AsTime()}
	switch c := e.GetChange().(type) {
	case *pb.InstanceEvent_InstanceStatusChanged:
		x := c.InstanceStatusChanged
		return &InstanceStatusChanged{change, x.GetPreviousStatus(), x.GetStatus(), x.GetSuccessful()}
	case *pb.InstanceEvent_TaskStatusChanged:
		x := c.TaskStatusChanged
		return &TaskStatusChanged{change, x.GetPreviousStatus(), x.GetTask().GetStatus(), x.GetTask()}
	case *pb.InstanceEvent_TaskProgressUpdated:
		x := c.TaskProgressUpdated
		return &TaskProgressUpdated{change, x.GetTask(), x.GetProgress()}
	case *pb.InstanceEvent_TaskPropertyUpdated:
		x := c.TaskPropertyUpdated
		return &TaskPropertyUpdated{change, x.GetTask(), x.GetKey(), PropertyValue(x.GetValue())}
	case *pb.InstanceEvent_TaskOutputAppended:
		x := c.TaskOutputAppended
		return &TaskOutputAppended{change, x.GetTask(), x.GetStream(), x.GetOffset(), x.GetData(), x.GetAttempt()}
	case *pb.InstanceEvent_SubInstanceCreated:
		x := c.SubInstanceCreated
		return &SubInstanceCreated{change, x.GetInstance(), x.GetName(), x.GetTask()}
	case *pb.InstanceEvent_TaskWaitingReasonChanged:
		x := c.TaskWaitingReasonChanged
		return &TaskWaitingReasonChanged{change, x.GetTask(), x.GetWaitingReason()}
	}
	return nil
}
