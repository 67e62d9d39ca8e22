"""The generated Python API, read as a Python user reads it: snake_case keyword arguments, static factories
as classmethods, a docstring on everything public, every optional setting's default documented, and no
untyped dict where a typed struct belongs."""

import enum
import inspect
import keyword
import re

import babes_stripe_eventbridge as lib
import pytest
from aws_cdk import aws_lambda as lambda_

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
UNTYPED_MAP = re.compile(r"Mapping\[(builtins\.)?str, typing\.Any\]")

# `{ [key: string]: any }` props, which Python shows as an untyped `Mapping[str, Any]`. Each one here is an
# EventBridge pattern fragment, free-form by nature (like aws_events.EventPattern.detail); anything else
# should be a struct.
UNTYPED_MAPS_ALLOWED = {"detail_filter"}

# Construct constructors' `scope` and `id` are undocumented throughout aws-cdk-lib too.
UNDOCUMENTED_PARAMS_ALLOWED = {"scope", "id"}


def public_classes():
    return [getattr(lib, name) for name in lib.__all__ if inspect.isclass(getattr(lib, name))]


def own_members(cls):
    """Public members that this library defines (not those inherited from Construct)."""
    for name, member in vars(cls).items():
        if not name.startswith("_"):
            yield name, member


def callables():
    for cls in public_classes():
        if issubclass(cls, enum.Enum):
            continue
        if "__init__" in vars(cls):
            yield f"{cls.__name__}()", vars(cls)["__init__"]
        for name, member in own_members(cls):
            if isinstance(member, (classmethod, staticmethod)):
                yield f"{cls.__name__}.{name}", member.__func__
            elif inspect.isfunction(member):
                yield f"{cls.__name__}.{name}", member


def properties():
    for cls in public_classes():
        for name, member in own_members(cls):
            if isinstance(member, property):
                yield cls, name, member


def test_the_core_api_is_exported():
    for name in ("StripeEventBridgeIntegration", "StripeEventBus", "StripeEventHandler", "StripeLivemode"):
        assert name in lib.__all__


@pytest.mark.parametrize("cls", public_classes(), ids=lambda c: c.__name__)
def test_every_class_has_a_docstring(cls):
    doc = inspect.getdoc(cls.__init__) if "__init__" in vars(cls) and not cls.__doc__ else cls.__doc__
    assert doc and doc.strip(), f"{cls.__name__} has no docstring"


def test_every_property_and_method_has_a_docstring():
    missing = [f"{cls.__name__}.{name}" for cls, name, prop in properties() if not (prop.__doc__ or "").strip()]
    missing += [name for name, fn in callables() if not name.endswith("()") and not (fn.__doc__ or "").strip()]
    assert missing == []


def test_arguments_are_snake_case_and_never_renamed_around_a_python_keyword():
    bad = []
    for name, fn in callables():
        for param in list(inspect.signature(fn).parameters)[1:]:  # after self / cls
            if not SNAKE_CASE.match(param) or keyword.iskeyword(param.rstrip("_")) or param.endswith("_"):
                bad.append(f"{name}: {param}")
    assert bad == []


def test_optional_arguments_are_keyword_only():
    """Props and options structs become keyword arguments; only required arguments may be positional."""
    bad = []
    for name, fn in callables():
        for param in list(inspect.signature(fn).parameters.values())[1:]:
            if param.kind is not inspect.Parameter.KEYWORD_ONLY and param.default is not inspect.Parameter.empty:
                bad.append(f"{name}: {param.name}")
    assert bad == []


def test_every_argument_is_documented():
    undocumented = []
    for name, fn in callables():
        for param in re.findall(r":param (\w+): -\s*$", fn.__doc__ or "", re.MULTILINE):
            if param not in UNDOCUMENTED_PARAMS_ALLOWED:
                undocumented.append(f"{name}: {param}")
    assert undocumented == []


def test_every_optional_struct_field_documents_its_default():
    missing = []
    for cls, name, prop in properties():
        if "_values" in inspect.getsource(cls.__init__) and "Optional[" in str(inspect.signature(prop.fget).return_annotation):
            if ":default:" not in (prop.__doc__ or ""):
                missing.append(f"{cls.__name__}.{name}")
    assert missing == []


def test_no_untyped_dict_where_a_struct_belongs():
    untyped = []
    for name, fn in callables():
        for param in inspect.signature(fn).parameters.values():
            if UNTYPED_MAP.search(str(param.annotation)) and param.name not in UNTYPED_MAPS_ALLOWED:
                untyped.append(f"{name}: {param.name}")
    for cls, name, prop in properties():
        if UNTYPED_MAP.search(str(inspect.signature(prop.fget).return_annotation)) and name not in UNTYPED_MAPS_ALLOWED:
            untyped.append(f"{cls.__name__}.{name}")
    assert untyped == []


def test_static_factories_are_classmethods_that_return_the_type():
    code = lambda_.Code.from_inline("exports.handler = async () => null;")
    assert isinstance(vars(lib.StripeEventHandler)["from_code"], classmethod)
    assert isinstance(lib.StripeEventHandler.from_code(code=code, handler="index.handler"), lib.StripeEventHandler)
    bus = lib.StripeEventBus.from_partner_event_source("aws.partner/stripe.com/ed_test_EXAMPLE")
    assert isinstance(bus, lib.StripeEventBus)
    assert bus.source_prefix == "aws.partner/stripe.com/"
    assert lib.StripeEventBus.from_event_bus_name("stripe", source_prefix="test.stripe").source_prefix == "test.stripe"


def test_enums_are_python_enums():
    assert issubclass(lib.StripeLivemode, enum.Enum)
    assert [m.name for m in lib.StripeLivemode] == ["ALL", "LIVE_ONLY", "TEST_ONLY"]
