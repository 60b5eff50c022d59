package clerkjwt

// isClerkID reports whether s is a plain identifier such as user_2abc:
// letters, digits, '_' and '-', what may go into a Backend API path.
func isClerkID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}
