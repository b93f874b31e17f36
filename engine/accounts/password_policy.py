"""What a new password must satisfy, with messages a person understands.

Length over composition (NIST SP 800-63B): at least `min_length` characters, at most
`max_length`, not the username, not one repeated character, not a well-known password.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.accounts.errors import PasswordRejected

COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "123456789",
        "1234567890",
        "12345678",
        "qwertyuiop",
        "qwerty123",
        "iloveyou",
        "letmein123",
        "welcome123",
        "administrator",
        "changeme",
        "changeme123",
        "metabuilder",
        "supergod",
        "abc123456",
        "trustno1",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "1q2w3e4r5t",
        "zaq12wsx",
        "11111111",
        "00000000",
    }
)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 10
    max_length: int = 256

    def problems(self, password: str, *, username: str | None = None) -> list[str]:
        found: list[str] = []
        if not isinstance(password, str) or not password:
            return ["A password is required."]
        if len(password) < self.min_length:
            found.append(f"Use at least {self.min_length} characters.")
        if len(password) > self.max_length:
            found.append(f"Use at most {self.max_length} characters.")
        if len(set(password)) == 1:
            found.append("Do not repeat a single character.")
        if password.lower() in COMMON:
            found.append("This password is too common; choose another.")
        if username and len(username) >= 3 and username.lower() in password.lower():
            found.append("The password must not contain the username.")
        return found

    def check(self, password: str, *, username: str | None = None) -> None:
        found = self.problems(password, username=username)
        if found:
            raise PasswordRejected(found)
