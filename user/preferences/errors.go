package preferences

// MsgUnavailable is the text clients see when the database cannot be used
// for now (the 503 of storeerr.APIError): the same whatever the cause, which
// is only logged.
const MsgUnavailable = "preferences are temporarily unavailable, please retry"
