package clerkmirror

// LockChangeLog lets a test stall a writer that holds the change-log lock.
var LockChangeLog = lockChangeLog
