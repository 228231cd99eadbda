package slackfake

// ErrorCode is an error of the fake's Go API. It is a string constant rather
// than a package variable so the package keeps no globals; compare with
// errors.Is.
type ErrorCode string

func (e ErrorCode) Error() string { return string(e) }

const (
	// ErrNotConnected: no Socket Mode connection is open, so Slack would show
	// the user "dispatch_failed".
	ErrNotConnected ErrorCode = "slackfake: no Socket Mode connection (Slack shows dispatch_failed)"
	// ErrNotAcked: the envelope was not acknowledged in time, after every
	// redelivery Slack would make.
	ErrNotAcked ErrorCode = "slackfake: envelope not acknowledged before the deadline"
	// ErrNotFound: the user, channel, message, view or element does not exist.
	ErrNotFound ErrorCode = "slackfake: not found"
	// ErrNotVisible: the user cannot see or act on that message or view.
	ErrNotVisible ErrorCode = "slackfake: not visible to that user"
	// ErrInputRequired: a required input block has no value, so Slack's client
	// would refuse to submit the modal.
	ErrInputRequired ErrorCode = "slackfake: required input is empty"
	// ErrClosed: the server is closed.
	ErrClosed ErrorCode = "slackfake: server closed"
)
