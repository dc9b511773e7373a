/// An error worded for the user: its description is one line that says what is wrong (naming
/// the file, when there is one). The command line prints it and exits with status 2; every
/// module's errors of bad input or bad settings conform.
public protocol UserFacingError: Error, CustomStringConvertible {}

extension InputError: UserFacingError {}
