namespace MetaCheck.State;

/// <summary>The store cannot be used; callers fail open (run the check, report its real result).</summary>
public sealed class StateUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
