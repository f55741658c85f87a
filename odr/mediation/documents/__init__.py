"""Documents of a case: evidence shared in a channel of the room, stored as bytes in ``odr.storage``."""
