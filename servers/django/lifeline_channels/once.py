"""A release function that acts once, however often it is called."""


def once(action):
    """`action` wrapped to run on the first call only: a second release must not undo what a later
    subscription (of the same channel, or the same presence) set up."""
    done = False

    def run():
        nonlocal done
        if done:
            return
        done = True
        action()

    return run
