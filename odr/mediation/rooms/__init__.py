"""The case room: messages in the joint channel and the two caucuses, live over Socket.IO."""
