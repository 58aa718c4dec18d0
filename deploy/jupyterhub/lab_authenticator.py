"""Who logs in to the hub: a password per person (jupyterhub-nativeauthenticator).

- Learners sign up at /hub/signup and wait for an instructor's approval (/hub/authorize),
  or an admin makes their accounts from a class list (class_list.py).
- The instructors' accounts (the hub's admins) are made at the hub's first start with the
  admin's initial password, so that no one can sign up under an instructor's name first.
  Each instructor changes it at /hub/change-password.
- A name is also the person's Unix user in their server (people.py): a sign-up under a
  name that cannot be one is refused, and says why.
- Failed logins lock the name for a while (NativeAuthenticator's allowed_failed_logins).
"""

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler, SignUpHandler
from nativeauthenticator.orm import UserInfo
from traitlets import Unicode

from people import UNIX_NAME, UNIX_NAME_RULE


class _NoTimer:
    """Stands for the statsd timer JupyterHub 6 no longer has (jupyterhub#5407)."""

    def timer(self, name):
        return self

    def start(self):
        return self

    def stop(self, send=True):
        return None


class LabLoginHandler(LoginHandler):
    """NativeAuthenticator 1.3.0's login page, fitted to JupyterHub 6: it timed each login
    with the hub's statsd client, which JupyterHub 6 removed, and its page renderer did not
    take the fields JupyterHub 6 passes when it shows an error on the login form."""

    statsd = _NoTimer()

    def _render(self, login_error=None, username=None, **ignored):
        return super()._render(login_error=login_error, username=username)


class LabSignUpHandler(SignUpHandler):
    """NativeAuthenticator's sign-up page, which says why a name cannot be used."""

    def get_result_message(self, user, *args, **kwargs):
        alert, message = super().get_result_message(user, *args, **kwargs)
        name = self.authenticator.normalize_username(self.get_body_argument("username", ""))
        if user is None and not UNIX_NAME.match(name):
            alert, message = "alert-danger", f"{name!r} cannot be used: {UNIX_NAME_RULE}."
        return alert, message


class LabAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with Unix names and the instructors' accounts made at start."""

    instructor_password = Unicode(
        "",
        config=True,
        help="Initial password of the instructors' accounts (the hub's admins), set when an "
        "account does not exist yet. Each instructor changes it after the first login.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.make_instructors()

    def make_instructors(self) -> None:
        for name in sorted(self.admin_users):
            if self.get_user(name) is not None:
                continue
            if len(self.instructor_password) < self.minimum_password_length:
                raise ValueError(f"the instructors' initial password needs {self.minimum_password_length} characters")
            hashed = bcrypt.hashpw(self.instructor_password.encode(), bcrypt.gensalt())
            self.db.add(UserInfo(username=name, password=hashed, is_authorized=True))
            self.db.commit()
            self.log.info("Made the account of instructor %s with the initial password", name)

    def validate_username(self, username):
        return bool(UNIX_NAME.match(username)) and super().validate_username(username)

    def get_handlers(self, app):
        ours = {SignUpHandler: LabSignUpHandler, LoginHandler: LabLoginHandler}
        return [(path, ours.get(handler, handler)) for path, handler in super().get_handlers(app)]
