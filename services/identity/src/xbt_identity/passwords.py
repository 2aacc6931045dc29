"""Password hashing (argon2id, OWASP parameters) run off the event loop.

A hash or verify costs ~31 ms of CPU. It runs in a small thread pool (argon2-cffi releases
the GIL), so logins use every core while the loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Unambiguous characters for one-time passwords read off a printed sheet (no 0/O, 1/l/I).
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


class Passwords:
    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int, threads: int) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        # Verified against when the username is unknown, so timing does not reveal accounts.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.hasher.hash, password)

    def hash_sync(self, password: str) -> str:
        return self.hasher.hash(password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, self._verify, stored_hash or self._dummy_hash, password, stored_hash is None
        )

    def _verify(self, stored_hash: str, password: str, dummy: bool) -> bool:
        try:
            ok = self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok and not dummy

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def one_time_password(length: int = 10) -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))


WEAK_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "password",
        "11111111",
        "88888888",
        "00000000",
        "abc12345",
        "qwertyui",
        "1234567890",
        "a1234567",
        "xbt-demo-2020",
    }
)


def password_problems(new_password: str, *, username: str) -> list[str]:
    """Why a chosen password is not acceptable (empty list: it is)."""
    problems = []
    if len(new_password) < 8:
        problems.append("at least 8 characters")
    if len(new_password) > 128:
        problems.append("at most 128 characters")
    if new_password.lower() in WEAK_PASSWORDS or new_password.lower() == username.lower():
        problems.append("too easy to guess")
    if new_password.isdigit() and len(set(new_password)) < 4:
        problems.append("too easy to guess")
    return problems


class OneTimePasswords:
    """Hashes for generated one-time passwords.

    They are random (about 57 bits over a 54-character alphabet), so a slow hash adds no
    protection worth its price: argon2id with small parameters (~1 ms) lets a 5,000-pupil
    roster import in seconds. A chosen password always gets the OWASP parameters.
    """

    def __init__(self) -> None:
        self.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)
